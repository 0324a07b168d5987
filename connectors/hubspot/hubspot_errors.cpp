#include "connectors/hubspot/hubspot_errors.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "connectors/error_body.h"

namespace crm {
namespace {

std::string field(simdjson::dom::element root, const char* name) {
  std::string_view s;
  if (root[name].get_string().get(s)) return {};
  std::string out;
  for (char c : s.substr(0, 100)) out += (static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  return out;
}

}  // namespace

Error hubspot_error(std::string_view what, const HttpResponse& r) {
  std::string category, policy, correlation;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(r.body);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) == simdjson::SUCCESS && root.is_object()) {
    category = field(root, "category");
    if (category.empty()) category = field(root, "errorType");
    policy = field(root, "policyName");
    correlation = field(root, "correlationId");
  }
  std::string msg = fmt::format("{}: HTTP {}: {}", what, r.status, crm_error_message(r.body));
  if (!category.empty()) msg += fmt::format(" (category {})", category);
  if (!policy.empty()) msg += fmt::format(" (policy {})", policy);
  if (!correlation.empty()) msg += fmt::format(" (correlationId {})", correlation);

  Error e;
  if (r.status == 429 && policy == "DAILY") {
    // https://developers.hubspot.com/docs/api/usage-details: the daily limit resets at
    // midnight in the account's time zone; retrying sooner only burns requests.
    e = Error::transient(msg + ": the account's daily API limit is used up; it resets at midnight in the "
                               "HubSpot account's time zone, so this run stops instead of retrying");
  } else if (r.status == 401) {
    e = Error::auth(std::move(msg));
  } else if (r.status == 403) {
    e = Error::config(msg + ": the token lacks a scope (crm-index needs crm.objects.contacts.read and "
                            "crm.objects.companies.read)");
  } else if (r.status == 408 || r.status == 429 || r.status >= 500) {
    e = Error::transient(std::move(msg));
  } else {
    e = Error::config(std::move(msg));
  }
  e.http_status = static_cast<int>(r.status);
  // HubSpot's own headers give the window's length, not when it clears, and the DAILY
  // limit resets at midnight in the account's time zone, which the answer does not name:
  // only a Retry-After is a hint.
  if (e.kind == ErrorKind::transient) e.retry_after_s = r.retry_after_s;
  return e;
}

bool hubspot_daily_limit_hit(const HttpResponse& r) {
  if (r.status != 429) return false;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(r.body);
  simdjson::dom::element root;
  std::string_view policy;
  return parser.parse(padded).get(root) == simdjson::SUCCESS &&
         root["policyName"].get_string().get(policy) == simdjson::SUCCESS && policy == "DAILY";
}

}  // namespace crm
