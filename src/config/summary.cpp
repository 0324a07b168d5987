// summarize(): the one line per source that `crm-index check` and the start-up log
// print. Built only from non-secret fields; URLs lose any "user:password@".
#include <fmt/format.h>

#include "config/address_checks.h"
#include "config/config.h"
#include "config/value_parsers.h"

namespace crm {
namespace {

std::string describe_auth(const AuthConfig& auth) {
  if (auth.type.empty()) return "none";
  if (auth.type == "api_key") return fmt::format("api_key({} {})", auth.in, auth.name);
  if (auth.type == "basic" || auth.type == "odoo")
    return fmt::format("{}(user {})", auth.type, auth.username);
  if (auth.type == "oauth2")
    return fmt::format("oauth2({} {})", auth.grant, redact_url(auth.token_url));
  return auth.type;  // bearer: nothing to show but the kind
}

}  // namespace

std::string summarize(const SourceConfig& source) {
  const SourceSettings& s = source.settings;
  std::string line = fmt::format("{}  type={}  url={}  interval={}  page_size={}  rate={}",
                                 source.name, source.type, redact_url(source.base_url),
                                 format_duration(s.interval), s.page_size, s.rate_limit.text);
  if (!s.quota_group.empty()) line += fmt::format("  quota_group={}", s.quota_group);
  line += fmt::format("  auth={}", describe_auth(source.auth));
  if (s.insecure_skip_verify) line += "  tls_verify=OFF";
  line += source.enabled ? "  enabled" : "  disabled";
  return line;
}

}  // namespace crm
