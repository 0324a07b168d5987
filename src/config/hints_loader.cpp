#include "config/hints_loader.h"

#include <fmt/format.h>

#include <cctype>

#include "config/address_checks.h"
#include "config/credential_fields.h"

namespace crm {
namespace {

using namespace std::chrono_literals;

const CredentialTypes& hint_types() {
  static const CredentialTypes types = {
      {
          {"hubspot", {"secret"}},              // X-HubSpot-Signature-v3, keyed with the app's client secret
          {"basic", {"username", "password"}},  // Pipedrive webhooks v2
          {"hmac", {"header", "secret", "prefix", "encoding"}},
          {"header", {"header", "value"}},  // Dataverse webhooks' HttpHeader authentication
          {"zoho", {"token"}},              // the token of the notification channel
          // Odoo's "Send Webhook Notification" sets no header and signs nothing: the
          // only proof it can carry is a key in the URL it is given.
          {"query", {"param", "value"}},
      },
      {"secret", "password", "value", "token"},
  };
  return types;
}

void read_listen(const Field& f, const ApiConfig& api, HintsConfig& out, LoadContext& ctx) {
  auto listen = read_checked_string(f, "a listen address", listen_problem, ctx);
  if (!listen) return;
  // The second bind of one address would fail at start; say so now. Port 0 asks the OS
  // for a free port, a different one for each listener (listen_problem refuses it today;
  // this stays right if it is ever allowed, e.g. for tests).
  if (*listen == api.listen && !listen->ends_with(":0")) {
    ctx.errors.add(f.at(), fmt::format("{}: '{}' is also the read API's address (api.listen, {} when not set): "
                                       "the hints listener needs an address of its own",
                                       f.path, ctx.as_written(f.value), ApiConfig{}.listen));
    return;
  }
  out.listen = std::move(*listen);
}

// The listener rebuilds the URI HubSpot signed as public_url + the request's path, so a
// query or fragment would land in the middle of it.
std::optional<std::string> public_url_problem(std::string_view url) {
  if (auto problem = url_problem(url)) return problem;
  if (url.find_first_of("?#") != std::string_view::npos)
    return "it may not have a query ('?') or a fragment ('#'): the request's path is appended to it";
  return std::nullopt;
}

void read_public_url(const Field& f, HintsConfig& out, LoadContext& ctx) {
  auto url = read_checked_string(f, "a valid URL", public_url_problem, ctx);
  if (!url) return;
  // Without its trailing '/', so that "/hooks/{source}" can be appended as it is.
  while (url->size() > 1 && url->back() == '/') url->pop_back();
  out.public_url = std::move(*url);
}

std::optional<std::string> header_name_problem(std::string_view name) {
  if (is_http_token(name)) return std::nullopt;
  return "use only letters, digits and !#$%&'*+-.^_`|~";
}

// The header a hint carries its proof in. Kept lower-case: header names ignore case
// (RFC 9110 §5.1), and the listener looks them up so.
std::string read_header_name(const Mapping& m, const CredentialType& type, LoadContext& ctx) {
  const Field* f = m.find("header");
  if (f == nullptr) {
    report_missing_for_type(m, "header", type);
    return {};
  }
  std::string name = read_checked_string(*f, "a valid header name", header_name_problem, ctx).value_or("");
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

void read_hmac(const Mapping& m, const CredentialType& type, SourceHints& out, LoadContext& ctx) {
  out.header = read_header_name(m, type, ctx);
  out.secret = required_secret(m, "secret", type, ctx);
  if (const Field* f = m.find("prefix")) out.prefix = read_string(*f, ctx).value_or("");
  if (const Field* f = m.find("encoding")) out.encoding = read_choice(*f, {"hex", "base64"}, ctx).value_or("hex");
}

}  // namespace

bool read_hints(const Field* field, const ApiConfig& api, HintsConfig& out, LoadContext& ctx) {
  if (!is_block(field, "hints", "a mapping with listen, delay, min_interval and public_url", ctx)) return false;
  const Mapping m(field->value, "hints.", "hints", ctx);
  m.reject_unknown({"listen", "delay", "min_interval", "public_url"});
  const Field* listen = m.find("listen");
  if (listen == nullptr) {
    m.report_missing("listen", " (host:port, where the CRMs send their webhooks, e.g. 0.0.0.0:8788)");
  } else {
    read_listen(*listen, api, out, ctx);
  }
  if (const Field* f = m.find("delay")) out.delay = read_duration(*f, ctx, 0ms).value_or(out.delay);
  if (const Field* f = m.find("min_interval"))
    out.min_interval = read_duration(*f, ctx, 0ms).value_or(out.min_interval);
  if (const Field* f = m.find("public_url")) read_public_url(*f, out, ctx);
  return listen != nullptr;
}

SourceHints read_source_hints(const Field& field, LoadContext& ctx) {
  SourceHints out;
  // `hints: <secret>` is a plausible mistake: is_block never echoes the value.
  if (!is_block(&field, "hints", "a mapping such as { type: hubspot, secret_file: ... }", ctx)) return out;
  const Mapping m(field.value, "hints.", "hints", ctx);
  const CredentialType* type = read_credential_type(m, hint_types(), ctx);
  if (type == nullptr) return out;
  out.type = type->name;
  if (out.type == "hubspot") {
    out.secret = required_secret(m, "secret", *type, ctx);
  } else if (out.type == "basic") {
    out.username = required_string(m, "username", *type, ctx);
    out.password = required_secret(m, "password", *type, ctx);
  } else if (out.type == "hmac") {
    read_hmac(m, *type, out, ctx);
  } else if (out.type == "header") {
    out.header = read_header_name(m, *type, ctx);
    out.value = required_secret(m, "value", *type, ctx);
  } else if (out.type == "query") {
    out.param = required_string(m, "param", *type, ctx);
    out.value = required_secret(m, "value", *type, ctx);
  } else {  // zoho
    out.token = required_secret(m, "token", *type, ctx);
  }
  return out;
}

}  // namespace crm
