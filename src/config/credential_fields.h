// What the credential blocks of a config share: a source's `auth:` (auth_loader) and
// `outputs.nats.auth` (outputs_loader). A `type:` picks the keys the block may hold;
// secrets are given inline, as ${ENV} or as <key>_file. Messages name the block by its
// Mapping's label ("auth", "outputs.nats.auth") and never contain a secret value.
// Internal to src/config/. Not thread-safe (writes to the LoadContext).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/load_context.h"
#include "config/secret.h"
#include "config/yaml_fields.h"

namespace crm {

struct CredentialType {
  std::string name;
  std::vector<std::string> keys;  // besides `type`; the secret ones also as <key>_file
};

// The types one kind of block offers, and which of their keys hold secrets.
struct CredentialTypes {
  std::vector<CredentialType> types;
  std::vector<std::string> secret_keys;
};

// Reads `type:` and refuses every key that type does not take: an unknown key gets a
// did-you-mean, a key of another type says which keys this type takes. nullptr when
// `type` is missing or not one of `types` (reported; the keys are still checked).
const CredentialType* read_credential_type(const Mapping& block, const CredentialTypes& types, LoadContext& ctx);

// "<label>: missing required key 'token' (or 'token_file') for auth type bearer".
void report_missing_for_type(const Mapping& block, std::string_view key, const CredentialType& type,
                             bool secret = false);

// A secret given as `key` (inline or ${ENV}) or as `key_file`: nullopt when neither is
// there, or after reporting what is wrong (both forms, not a string, empty, unreadable).
std::optional<Secret> read_secret(const Mapping& block, const std::string& key, LoadContext& ctx);

// read_secret for a key that `type` requires; reported as missing when neither form is there.
Secret required_secret(const Mapping& block, const std::string& key, const CredentialType& type, LoadContext& ctx);
// A non-empty string that `type` requires; "" after an error.
std::string required_string(const Mapping& block, const std::string& key, const CredentialType& type,
                            LoadContext& ctx);

struct NamedSecretFile {
  std::filesystem::path path;  // resolved
  Secret content;
};

// The file a *_file key names, resolved (resolve_credential_path), recorded in
// ctx.secret_files for the permission checks, and read. nullopt after reporting at `f`
// ("<path>: cannot read /x: No such file or directory").
std::optional<NamedSecretFile> read_named_secret_file(const Field& f, LoadContext& ctx);

}  // namespace crm
