#include "config/nats_fields.h"

#include "config/address_checks.h"
#include "config/credential_fields.h"

namespace crm {
namespace {

const CredentialTypes& nats_auth_types() {
  static const CredentialTypes types = {
      {{"none", {}}, {"token", {"token"}}, {"user", {"user", "password"}}, {"creds", {"creds_file"}}},
      {"token", "password"},
  };
  return types;
}

std::optional<std::string> read_nats_server(const Field& item, LoadContext& ctx) {
  return read_checked_string(item, "a NATS server address", nats_server_problem, ctx);
}

}  // namespace

void read_nats_servers(const Mapping& block, std::vector<std::string>& out, LoadContext& ctx) {
  const Field* f = block.require("servers");
  if (f == nullptr) return;
  if (f->value.IsScalar()) {  // `servers: nats://host:4222`, one server
    if (auto server = read_nats_server(*f, ctx)) out = {std::move(*server)};
    return;
  }
  if (f->value.IsSequence() && f->value.size() == 0) {
    ctx.errors.add(f->at(), f->path + ": the list is empty (expected at least one server, e.g. nats://127.0.0.1:4222)");
    return;
  }
  out = read_string_list(*f, ctx, read_nats_server).value_or(std::vector<std::string>{});
}

void read_nats_auth(const Field* field, const std::string& block, NatsAuth& out, LoadContext& ctx) {
  const std::string path = block + ".auth";
  if (!is_block(field, path, "a mapping such as { type: token, token_file: ... }", ctx)) return;
  const Mapping auth(field->value, path + ".", path, ctx);
  if (auth.empty()) return;
  const CredentialType* type = read_credential_type(auth, nats_auth_types(), ctx);
  if (type == nullptr) return;
  out.type = type->name;
  if (out.type == "token") {
    out.token = required_secret(auth, "token", *type, ctx);
  } else if (out.type == "user") {
    out.user = required_string(auth, "user", *type, ctx);
    out.password = required_secret(auth, "password", *type, ctx);
  } else if (out.type == "creds") {
    // The NATS client reads the file itself; it is read here only to fail `check` early.
    const Field* f = auth.find("creds_file");
    if (f == nullptr) {
      report_missing_for_type(auth, "creds_file", *type);
    } else if (auto creds = read_named_secret_file(*f, ctx)) {
      out.creds_file = creds->path.string();
    }
  }
}

}  // namespace crm
