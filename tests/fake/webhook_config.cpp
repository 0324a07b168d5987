#include "fake/webhook_config.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <span>

namespace crm::fake {
namespace {

struct DialectName {
  WebhookDialect dialect;
  std::string_view name;
};

constexpr std::array kDialects = {
    DialectName{WebhookDialect::hubspot, "hubspot"},       DialectName{WebhookDialect::pipedrive, "pipedrive"},
    DialectName{WebhookDialect::dynamics, "dynamics"},     DialectName{WebhookDialect::zoho, "zoho"},
    DialectName{WebhookDialect::rest, "rest"},             DialectName{WebhookDialect::salesforce, "salesforce"},
    DialectName{WebhookDialect::odoo, "odoo"},             DialectName{WebhookDialect::suitecrm, "suitecrm"},
};

// The settings each vendor's webhook has, beyond the URL (README.md "Webhooks").
std::span<const std::string_view> settings_of(WebhookDialect d) {
  static constexpr std::string_view kHubspot[] = {"secret"};
  static constexpr std::string_view kPipedrive[] = {"username", "password"};
  static constexpr std::string_view kHeader[] = {"header", "value"};
  static constexpr std::string_view kZoho[] = {"token"};
  static constexpr std::string_view kRest[] = {"secret", "header", "prefix", "encoding"};
  static constexpr std::string_view kSuite[] = {"header", "value", "secret", "prefix", "encoding"};
  switch (d) {
    case WebhookDialect::hubspot: return kHubspot;
    case WebhookDialect::pipedrive: return kPipedrive;
    case WebhookDialect::dynamics:
    case WebhookDialect::salesforce: return kHeader;
    case WebhookDialect::zoho: return kZoho;
    case WebhookDialect::rest: return kRest;
    case WebhookDialect::suitecrm: return kSuite;
    case WebhookDialect::odoo: break;
  }
  return {};
}

// Why a dialect refuses a setting it does not have: the vendor has no such option.
std::string refusal(WebhookDialect d, std::string_view field) {
  if (d == WebhookDialect::odoo)
    return fmt::format(
        "odoo: an automation rule's \"Send Webhook Notification\" posts JSON with Content-Type only "
        "(no header, no signature): '{}' cannot be set; put a key in the URL's query string",
        field);
  return fmt::format("{}: its webhooks have no '{}' setting", to_string(d), field);
}

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

Status check_header(const WebhookConfig& c) {
  if (!c.header.empty() && !std::all_of(c.header.begin(), c.header.end(), is_token_char))
    return Error::data(fmt::format("header: '{}' is not an HTTP header name", c.header));
  if (c.value.find_first_of("\r\n") != std::string::npos) return Error::data("value: must not contain CR or LF");
  return {};
}

// The pairs a dialect needs together (both or neither) and what it cannot do without.
Status check_required(const WebhookConfig& c) {
  auto both = [](const std::string& a, const std::string& b) { return a.empty() == b.empty(); };
  const std::string_view name = to_string(c.dialect);
  switch (c.dialect) {
    case WebhookDialect::hubspot:
      if (c.secret.empty()) return Error::data("hubspot: 'secret' (the app's client secret) is required");
      break;
    case WebhookDialect::pipedrive:
      if (!both(c.username, c.password)) return Error::data("pipedrive: 'username' and 'password' go together");
      break;
    case WebhookDialect::dynamics:
    case WebhookDialect::salesforce:
      if (!both(c.header, c.value)) return Error::data(fmt::format("{}: 'header' and 'value' go together", name));
      break;
    case WebhookDialect::zoho:
      // Zoho's watch API: "The maximum character length is 50."
      if (c.token.size() > 50) return Error::data("zoho: 'token' is at most 50 characters");
      break;
    case WebhookDialect::rest:
      if (c.secret.empty() || c.header.empty()) return Error::data("rest: 'secret' and 'header' are required");
      break;
    case WebhookDialect::suitecrm:
      if (c.header.empty() || c.value.empty() == c.secret.empty())
        return Error::data("suitecrm: 'header' and one of 'value' (sent as is) or 'secret' (an HMAC) are required");
      break;
    case WebhookDialect::odoo: break;
  }
  return check_header(c);
}

}  // namespace

std::string_view to_string(WebhookDialect d) {
  for (const auto& n : kDialects)
    if (n.dialect == d) return n.name;
  return "?";
}

Result<WebhookConfig> parse_webhook_config(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::object obj;
  if (parser.parse(padded).get(obj)) return Error::data("webhook: body is not a JSON object");
  WebhookConfig c;
  std::string_view dialect;
  if (obj["dialect"].get(dialect)) return Error::data("webhook: 'dialect' (a string) is required");
  auto known = std::find_if(kDialects.begin(), kDialects.end(), [&](const auto& n) { return n.name == dialect; });
  if (known == kDialects.end()) return Error::data(fmt::format("webhook: unknown dialect '{}'", dialect));
  c.dialect = known->dialect;
  std::string encoding = "hex";
  for (auto field : obj) {
    const std::string_view key = field.key;
    std::string* target = key == "url"        ? &c.url
                          : key == "secret"   ? &c.secret
                          : key == "username" ? &c.username
                          : key == "password" ? &c.password
                          : key == "header"   ? &c.header
                          : key == "value"    ? &c.value
                          : key == "token"    ? &c.token
                          : key == "prefix"   ? &c.prefix
                          : key == "encoding" ? &encoding
                                              : nullptr;
    if (key == "dialect") continue;
    if (!target) return Error::data(fmt::format("webhook: unknown field '{}'", key));
    auto settings = settings_of(c.dialect);
    if (key != "url" && std::find(settings.begin(), settings.end(), key) == settings.end())
      return Error::data(refusal(c.dialect, key));
    std::string_view text;
    if (field.value.get(text)) return Error::data(fmt::format("webhook: '{}' must be a string", key));
    *target = std::string(text);
  }
  if (!(c.url.starts_with("http://") || c.url.starts_with("https://")) ||
      c.url.find_first_of(" \t\r\n") != std::string::npos)
    return Error::data("webhook: 'url' must be an http:// or https:// URL without spaces");
  if (encoding != "hex" && encoding != "base64") return Error::data("webhook: 'encoding' is \"hex\" or \"base64\"");
  c.base64 = encoding == "base64";
  if (auto st = check_required(c); !st) return st.error();
  return c;
}

}  // namespace crm::fake
