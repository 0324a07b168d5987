// Reading credentials from files: the `X_file` form of every secret key and the API's
// token_file (design.md, "Configuration contract"; systemd's LoadCredential= puts the
// files in $CREDENTIALS_DIRECTORY). Thread-safe (the environment lookup is injected).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/secret.h"

namespace crm {

// Absolute paths stay; relative ones resolve against $CREDENTIALS_DIRECTORY when it is
// set and non-empty, else against the config file's folder.
std::filesystem::path resolve_credential_path(std::string_view path,
                                              const std::filesystem::path& config_dir,
                                              const EnvLookup& env);

struct SecretFile {
  Secret secret;      // the content without its trailing newline(s)
  std::string error;  // "" or "cannot read /path: No such file or directory", "/path is empty"
};

// Reads a secret file. The error names the path and the OS reason, never the content.
SecretFile read_secret_file(const std::filesystem::path& path);

}  // namespace crm
