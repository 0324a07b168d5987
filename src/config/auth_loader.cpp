#include "config/auth_loader.h"

#include <fmt/format.h>

#include "config/address_checks.h"
#include "config/credential_fields.h"

namespace crm {
namespace {

const CredentialTypes& auth_types() {
  static const CredentialTypes types = {
      {
          {"bearer", {"token", "scheme"}},
          {"api_key", {"in", "name", "value"}},
          {"basic", {"username", "password"}},
          {"oauth2",
           {"token_url", "grant", "client_id", "client_secret", "refresh_token", "scope", "scheme", "client_auth"}},
          {"odoo", {"username", "password"}},
      },
      {"token", "value", "password", "client_secret", "refresh_token"},
  };
  return types;
}

void read_oauth2(const Mapping& auth, const CredentialType& type, AuthConfig& out, LoadContext& ctx) {
  if (const Field* f = auth.find("token_url")) {
    out.token_url = read_url(*f, ctx).value_or("");
  } else {
    report_missing_for_type(auth, "token_url", type);
  }
  if (const Field* f = auth.find("grant")) {
    out.grant = read_choice(*f, {"client_credentials", "refresh_token"}, ctx).value_or("");
  } else {
    report_missing_for_type(auth, "grant", type);
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

void read_api_key(const Mapping& auth, const CredentialType& type, AuthConfig& out, LoadContext& ctx) {
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
  const CredentialType* type = read_credential_type(auth, auth_types(), ctx);
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
