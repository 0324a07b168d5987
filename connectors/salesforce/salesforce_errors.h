// What Salesforce said when it refused a request, and what the engine should do about
// it. Error bodies are a JSON array: [{"message":"…","errorCode":"INVALID_SESSION_ID"}].
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "http/http_client.h"

namespace crm {

struct SfErrorBody {
  std::string code;     // errorCode, "" when the body is not Salesforce's shape
  std::string message;  // the CRM's message (never longer than 300 bytes)
};

SfErrorBody parse_sf_error(std::string_view body);

// The kind follows the code first, the status second:
//   401 (any code; the client refreshed once already) → auth
//   REQUEST_LIMIT_EXCEEDED (HTTP 403; no Retry-After)   → transient: back off for minutes
//   other 403 (API_DISABLED_FOR_ORG, INSUFFICIENT_ACCESS…) → auth
//   MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE (400)   → config
//   429 / 5xx                                            → transient
// Message: "<what>: HTTP <status> <errorCode>: <message>".
Error sf_error(std::string_view what, const HttpResponse& response);

// True for the answer that means the query locator is gone (restart the query).
bool is_invalid_locator(const HttpResponse& response);

// The org's daily request allowance from the limits resource:
// {"DailyApiRequests":{"Max":100000,"Remaining":89982},…}
struct DailyQuota {
  long long max = 0;
  long long remaining = 0;
};
std::optional<DailyQuota> parse_daily_quota(std::string_view limits_body);

}  // namespace crm
