#include "connectors/salesforce/salesforce_errors.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "connectors/error_body.h"

namespace crm {

SfErrorBody parse_sf_error(std::string_view body) {
  SfErrorBody out;
  out.message = crm_error_message(body);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root)) return out;
  simdjson::dom::array arr;
  if (root.get_array().get(arr) || arr.size() == 0) return out;
  std::string_view code;
  if (!arr.at(0)["errorCode"].get_string().get(code)) {
    out.code = std::string(code.substr(0, 80));
    for (char& c : out.code)
      if (static_cast<unsigned char>(c) < 0x20) c = '?';
    // crm_error_message already says "<errorCode>: <message>" for this shape.
    if (out.message.starts_with(out.code + ": ")) out.message.erase(0, out.code.size() + 2);
  }
  return out;
}

bool is_invalid_locator(const HttpResponse& response) {
  return response.status >= 400 && response.status < 500 &&
         parse_sf_error(response.body).code == "INVALID_QUERY_LOCATOR";
}

Error sf_error(std::string_view what, const HttpResponse& response) {
  SfErrorBody e = parse_sf_error(response.body);
  if (e.code.empty()) return error_from_response(what, response);
  std::string message = fmt::format("{}: HTTP {} {}: {}", what, response.status, e.code, e.message);
  Error out;
  const long st = response.status;
  if (st == 401) out = Error::auth(std::move(message));
  else if (e.code == "REQUEST_LIMIT_EXCEEDED" || st == 429 || st >= 500) out = Error::transient(std::move(message));
  else if (st == 403) out = Error::auth(std::move(message));
  else if (st == 404 && e.code == "NOT_FOUND") out = Error::config(std::move(message));  // e.g. a wrong api_version
  else if (e.code == "MALFORMED_QUERY" || e.code == "INVALID_FIELD" || e.code == "INVALID_TYPE" ||
           st == 400 || st == 404)
    out = Error::config(std::move(message));
  else out = Error::transient(std::move(message));
  out.http_status = static_cast<int>(st);
  // REQUEST_LIMIT_EXCEEDED has no Retry-After (a rolling 24-hour allowance has no reset
  // time): it stays on the backoff. Anything else that sends one is believed.
  if (out.kind == ErrorKind::transient) out.retry_after_s = response.retry_after_s;
  return out;
}

std::optional<DailyQuota> parse_daily_quota(std::string_view limits_body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(limits_body.data(), limits_body.size()).get(root)) return std::nullopt;
  int64_t max = 0, remaining = 0;
  if (root["DailyApiRequests"]["Max"].get_int64().get(max) ||
      root["DailyApiRequests"]["Remaining"].get_int64().get(remaining) || max <= 0)
    return std::nullopt;
  return DailyQuota{max, remaining};
}

}  // namespace crm
