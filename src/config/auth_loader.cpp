#include "config/auth_loader.h"

#include <fmt/format.h>

#include <algorithm>

#include "config/address_checks.h"
#include "config/did_you_mean.h"
#include "config/secret_resolver.h"

namespace crm {
namespace {

struct AuthType {
  std::string name;
  std::vector<std::string> keys;  // besides `type`; secret ones also as <key>_file
};

const std::vector<AuthType>& auth_types() {
  static const std::vector<AuthType> types = {
      {"bearer", {"token", "scheme"}},
      {"api_key", {"in", "name", "value"}},
      {"basic", {"username", "password"}},
      {"oauth2", {"token_url", "grant", "client_id", "client_secret", "refresh_token", "scope", "scheme", "client_auth"}},
      {"odoo", {"username", "password"}},
  };
  return types;
}

bool is_secret_key(std::string_view key) {
  return key == "token" || key == "value" || key == "password" || key == "client_secret" ||
         key == "refresh_token";
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// "type" plus the keys of `type` (all types when null), with the X_file forms.
std::vector<std::string> allowed_keys(const AuthType* type) {
  std::vector<std::string> out = {"type"};
  for (const auto& t : auth_types()) {
    if (type != nullptr && &t != type) continue;
    for (const auto& k : t.keys) {
      if (!contains(out, k)) out.push_back(k);
      if (is_secret_key(k) && !contains(out, k + "_file")) out.push_back(k + "_file");
    }
  }
  return out;
}

// Unknown keys get a did-you-mean; keys of another auth type say which type uses them.
void reject_foreign_keys(const Mapping& auth, const AuthType* type, LoadContext& ctx) {
  if (type == nullptr) {
    auth.reject_unknown(allowed_keys(nullptr));
    return;
  }
  const auto mine = allowed_keys(type);
  const auto any = allowed_keys(nullptr);
  for (const auto& f : auth.fields()) {
    const std::string& key = f.key.Scalar();
    if (contains(mine, key)) continue;
    if (contains(any, key)) {
      ctx.errors.add(f.key, fmt::format("{}: not used by auth type '{}' (it takes: {})", f.path,
                                        type->name, join_names(type->keys)));
    } else {
      ctx.errors.add(f.key, fmt::format("unknown key '{}'{}", f.path, did_you_mean(key, mine)));
    }
  }
}

// A secret given as `key` (inline or ${ENV}) or as `key_file`. Never echoes the value.
std::optional<Secret> read_secret(const Mapping& auth, const std::string& key, LoadContext& ctx) {
  const Field* inline_value = auth.find(key);
  const Field* file = auth.find(key + "_file");
  if (inline_value != nullptr && file != nullptr) {
    ctx.errors.add(file->key,
                   fmt::format("auth: give either '{}' or '{}_file', not both", key, key));
    return std::nullopt;
  }
  if (inline_value != nullptr) {
    if (!inline_value->value.IsScalar()) {
      ctx.errors.add(inline_value->at(),
                     fmt::format("{}: expected a string, got {}", inline_value->path,
                                 describe_shape(inline_value->value)));
      return std::nullopt;
    }
    if (inline_value->value.Scalar().empty()) {
      ctx.errors.add(inline_value->at(), inline_value->path + ": must not be empty");
      return std::nullopt;
    }
    if (ctx.as_written(inline_value->value).find("${") == std::string::npos) ctx.inline_secrets = true;
    return Secret(inline_value->value.Scalar());
  }
  if (file != nullptr) {
    auto path = read_nonempty_string(*file, ctx);
    if (!path) return std::nullopt;
    const auto resolved = resolve_credential_path(*path, ctx.config_dir, ctx.env);
    ctx.secret_files.push_back(resolved.string());
    SecretFile read = read_secret_file(resolved);
    if (!read.error.empty()) {
      ctx.errors.add(file->at(), file->path + ": " + read.error);
      return std::nullopt;
    }
    return std::move(read.secret);
  }
  return std::nullopt;
}

// Reports `key` missing for `type`, naming the X_file form of secrets.
void report_missing(const Mapping& auth, const std::string& key, const AuthType& type) {
  auth.report_missing(
      key, fmt::format("{} for auth type {}", is_secret_key(key) ? " (or '" + key + "_file')" : "",
                       type.name));
}

Secret required_secret(const Mapping& auth, const std::string& key, const AuthType& type,
                       LoadContext& ctx) {
  if (!auth.find(key) && !auth.find(key + "_file")) {
    report_missing(auth, key, type);
    return Secret();
  }
  return read_secret(auth, key, ctx).value_or(Secret());
}

std::string required_string(const Mapping& auth, const std::string& key, const AuthType& type,
                            LoadContext& ctx) {
  const Field* f = auth.find(key);
  if (f == nullptr) {
    report_missing(auth, key, type);
    return {};
  }
  return read_nonempty_string(*f, ctx).value_or("");
}

// An enumeration value: `choices` listed, with a did-you-mean, when the value is not one.
std::optional<std::string> read_choice(const Field& f, const std::vector<std::string>& choices,
                                       LoadContext& ctx) {
  auto s = read_string(f, ctx);
  if (!s) return std::nullopt;
  if (contains(choices, *s)) return s;
  ctx.errors.add(f.at(), fmt::format("{}: '{}' is not one of {}{}", f.path, ctx.as_written(f.value),
                                     join_names(choices), did_you_mean(*s, choices)));
  return std::nullopt;
}

void read_oauth2(const Mapping& auth, const AuthType& type, AuthConfig& out, LoadContext& ctx) {
  out.token_url = required_string(auth, "token_url", type, ctx);
  if (const Field* f = auth.find("token_url"); f != nullptr && !out.token_url.empty()) {
    if (auto problem = url_problem(out.token_url))
      ctx.errors.add(f->at(), fmt::format("{}: '{}' is not a valid URL: {}", f->path,
                                          redact_url(ctx.as_written(f->value)), *problem));
  }
  if (const Field* f = auth.find("grant")) {
    out.grant = read_choice(*f, {"client_credentials", "refresh_token"}, ctx).value_or("");
  } else {
    report_missing(auth, "grant", type);
  }
  out.client_id = required_string(auth, "client_id", type, ctx);
  out.client_secret = required_secret(auth, "client_secret", type, ctx);
  if (out.grant == "refresh_token") {
    out.refresh_token = required_secret(auth, "refresh_token", type, ctx);
  } else if (out.grant == "client_credentials") {
    for (const char* key : {"refresh_token", "refresh_token_file"})
      if (const Field* f = auth.find(key))
        ctx.errors.add(f->key, f->path + ": only used with grant refresh_token");
  }
  if (const Field* f = auth.find("scope")) out.scope = read_string(*f, ctx).value_or("");
  if (const Field* f = auth.find("client_auth"))
    out.client_auth = read_choice(*f, {"body", "basic"}, ctx).value_or("body");
}

// `scheme`: the word before the token in Authorization (an RFC 9110 token, e.g.
// Zoho-oauthtoken); optional.
void read_scheme(const Mapping& auth, AuthConfig& out, LoadContext& ctx) {
  const Field* f = auth.find("scheme");
  if (f == nullptr) return;
  out.scheme = read_nonempty_string(*f, ctx).value_or("");
  if (!out.scheme.empty() && !is_http_token(out.scheme)) {
    ctx.errors.add(f->at(), fmt::format("{}: '{}' is not a valid authorization scheme (e.g. Bearer)", f->path,
                                        ctx.as_written(f->value)));
    out.scheme.clear();
  }
}

void read_api_key(const Mapping& auth, const AuthType& type, AuthConfig& out, LoadContext& ctx) {
  if (const Field* f = auth.find("in"))
    out.in = read_choice(*f, {"header", "query"}, ctx).value_or("header");
  out.name = required_string(auth, "name", type, ctx);
  const Field* name = auth.find("name");
  if (out.in == "header" && !out.name.empty() && !is_http_token(out.name))
    ctx.errors.add(name->at(), fmt::format("{}: '{}' is not a valid header name", name->path,
                                           ctx.as_written(name->value)));
  out.value = required_secret(auth, "value", type, ctx);
}

}  // namespace

AuthConfig read_auth(const Field* field, LoadContext& ctx) {
  AuthConfig out;
  // `auth: <token>` is a plausible mistake: is_block never echoes the value.
  if (!is_block(field, "auth", "a mapping such as { type: bearer, token: ... }", ctx)) return out;
  const Mapping auth(field->value, "auth.", "auth", ctx);
  if (auth.empty()) return out;
  const Field* type_field = auth.find("type");
  if (type_field == nullptr) {
    auth.report_missing("type", " (bearer, api_key, basic, oauth2 or odoo)");
    reject_foreign_keys(auth, nullptr, ctx);
    return out;
  }
  std::vector<std::string> names;
  for (const auto& t : auth_types()) names.push_back(t.name);
  auto type_name = read_choice(*type_field, names, ctx);
  const AuthType* type = nullptr;
  for (const auto& t : auth_types())
    if (type_name && t.name == *type_name) type = &t;
  reject_foreign_keys(auth, type, ctx);
  if (type == nullptr) return out;
  out.type = type->name;
  if (out.type == "bearer") {
    out.token = required_secret(auth, "token", *type, ctx);
    read_scheme(auth, out, ctx);
  } else if (out.type == "api_key") {
    read_api_key(auth, *type, out, ctx);
  } else if (out.type == "oauth2") {
    read_oauth2(auth, *type, out, ctx);
    read_scheme(auth, out, ctx);
  } else {  // basic, odoo
    out.username = required_string(auth, "username", *type, ctx);
    out.password = required_secret(auth, "password", *type, ctx);
  }
  return out;
}

}  // namespace crm
