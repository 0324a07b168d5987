#include "config/credential_fields.h"

#include <fmt/format.h>

#include <algorithm>

#include "config/did_you_mean.h"
#include "config/secret_resolver.h"

namespace crm {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// "type" plus the keys of `type` (of every type when null), with the X_file forms.
std::vector<std::string> allowed_keys(const CredentialTypes& types, const CredentialType* type) {
  std::vector<std::string> out = {"type"};
  for (const auto& t : types.types) {
    if (type != nullptr && &t != type) continue;
    for (const auto& k : t.keys) {
      if (!contains(out, k)) out.push_back(k);
      if (contains(types.secret_keys, k) && !contains(out, k + "_file")) out.push_back(k + "_file");
    }
  }
  return out;
}

void reject_foreign_keys(const Mapping& block, const CredentialTypes& types, const CredentialType* type,
                         LoadContext& ctx) {
  if (type == nullptr) {
    block.reject_unknown(allowed_keys(types, nullptr));
    return;
  }
  const auto mine = allowed_keys(types, type);
  const auto any = allowed_keys(types, nullptr);
  for (const auto& f : block.fields()) {
    const std::string& key = f.key.Scalar();
    if (contains(mine, key)) continue;
    if (contains(any, key)) {
      const std::string takes =
          type->keys.empty() ? "it takes no other keys" : "it takes: " + join_names(type->keys);
      ctx.errors.add(f.key, fmt::format("{}: not used by auth type '{}' ({})", f.path, type->name, takes));
    } else {
      ctx.errors.add(f.key, fmt::format("unknown key '{}'{}", f.path, did_you_mean(key, mine)));
    }
  }
}

// "bearer, api_key or odoo"
std::string either_of(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return out;
}

}  // namespace

const CredentialType* read_credential_type(const Mapping& block, const CredentialTypes& types, LoadContext& ctx) {
  std::vector<std::string> names;
  for (const auto& t : types.types) names.push_back(t.name);
  const Field* type_field = block.find("type");
  if (type_field == nullptr) {
    block.report_missing("type", " (" + either_of(names) + ")");
    reject_foreign_keys(block, types, nullptr, ctx);
    return nullptr;
  }
  auto name = read_choice(*type_field, names, ctx);
  const CredentialType* type = nullptr;
  for (const auto& t : types.types)
    if (name && t.name == *name) type = &t;
  reject_foreign_keys(block, types, type, ctx);
  return type;
}

void report_missing_for_type(const Mapping& block, std::string_view key, const CredentialType& type, bool secret) {
  block.report_missing(key, fmt::format("{} for auth type {}", secret ? fmt::format(" (or '{}_file')", key) : "",
                                        type.name));
}

std::optional<Secret> read_secret(const Mapping& block, const std::string& key, LoadContext& ctx) {
  const Field* inline_value = block.find(key);
  const Field* file = block.find(key + "_file");
  if (inline_value != nullptr && file != nullptr) {
    ctx.errors.add(file->key, fmt::format("{}: give either '{}' or '{}_file', not both", block.label(), key, key));
    return std::nullopt;
  }
  if (inline_value != nullptr) {
    auto value = read_nonempty_string(*inline_value, ctx);
    if (!value) return std::nullopt;
    if (ctx.as_written(inline_value->value).find("${") == std::string::npos) ctx.inline_secrets = true;
    return Secret(std::move(*value));
  }
  if (file != nullptr) {
    auto read = read_named_secret_file(*file, ctx);
    if (!read) return std::nullopt;
    return std::move(read->content);
  }
  return std::nullopt;
}

Secret required_secret(const Mapping& block, const std::string& key, const CredentialType& type, LoadContext& ctx) {
  if (!block.find(key) && !block.find(key + "_file")) {
    report_missing_for_type(block, key, type, /*secret=*/true);
    return Secret();
  }
  return read_secret(block, key, ctx).value_or(Secret());
}

std::string required_string(const Mapping& block, const std::string& key, const CredentialType& type,
                            LoadContext& ctx) {
  const Field* f = block.find(key);
  if (f == nullptr) {
    report_missing_for_type(block, key, type);
    return {};
  }
  return read_nonempty_string(*f, ctx).value_or("");
}

std::optional<NamedSecretFile> read_named_secret_file(const Field& f, LoadContext& ctx) {
  auto path = read_nonempty_string(f, ctx);
  if (!path) return std::nullopt;
  // Checked now so that a wrong path fails `check`, not the first request that needs it.
  auto resolved = resolve_credential_path(*path, ctx.config_dir, ctx.env);
  ctx.secret_files.push_back(resolved.string());
  SecretFile read = read_secret_file(resolved);
  if (!read.error.empty()) {
    ctx.errors.add(f.at(), f.path + ": " + read.error);
    return std::nullopt;
  }
  return NamedSecretFile{std::move(resolved), std::move(read.secret)};
}

}  // namespace crm
