// LoadContext: the state one read_config_file() call shares between its parts (top level,
// defaults, sources, auth): the error list, the config file's folder, the environment, the source types.
// Internal to src/config/. Lives on the stack of one load; not thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace crm {

struct LoadContext {
  LoadContext(std::string file, std::filesystem::path dir, const EnvLookup& env_lookup,
              const SourceTypeTable& source_types)
      : errors(std::move(file)), config_dir(std::move(dir)), env(env_lookup), types(source_types) {}

  ConfigErrors errors;
  std::filesystem::path config_dir;  // relative paths in the file resolve against it
  const EnvLookup& env;
  const SourceTypeTable& types;  // what `type:` may name
  bool inline_secrets = false;            // a secret written in the file itself
  std::vector<std::string> secret_files;  // every *_file read, resolved
  // The text of a scalar as the file has it, for quoting in an error message
  // (ConfigErrors::as_written: "${NAME}" rather than a value from the environment).
  std::string as_written(const YAML::Node& scalar) const { return errors.as_written(scalar); }
};

}  // namespace crm
