// Reading Zoho CRM answers: one Get Records page ({"data":[…],"info":{…}}) mapped to
// minimal Records, one Deleted Records page, and the error body of a refused request
// ({"code":"INVALID_TOKEN","details":{},"message":"…","status":"error"}).
//
// Modified_Time and deleted_time carry the org's offset (2025-11-20T14:44:03+05:30) and
// are converted to UTC. Lookups (Account_Name) are objects {"name","id"}: the name is the
// value. A 204 (or 304) is an empty page, not an error: the connector never hands an
// empty body to these parsers. Pure functions; thread-safe (the parser is the caller's).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"
#include "connectors/zoho/zoho_options.h"
#include "core/result.h"
#include "http/http_client.h"

namespace crm {

struct ZohoPage {
  Page page;                    // records, high_water, skipped; `next` is left to the caller
  bool more_records = false;    // info.more_records
  std::string next_page_token;  // info.next_page_token, "" when absent or null
  std::optional<TimePoint> last_modified;  // Modified_Time of the page's last record
};

// One record (of a Get Records page, or a Get Record answer) appended to out.page, or
// counted in out.page.skip: every read maps through here, so a live read hashes like the
// page that held the record.
void map_zoho_record(simdjson::dom::object record, const ZohoModule& module, const ZohoOptions& options,
                     ZohoPage& out);
// The root of a 200 answer, or the Error of an error body Zoho sent with it (its v8 spec
// models errors inside a 200).
Result<simdjson::dom::element> parse_zoho_root(std::string_view body, std::string_view what,
                                               simdjson::dom::parser& parser);

Result<ZohoPage> parse_zoho_page(std::string_view body, const ZohoModule& module, const ZohoOptions& options,
                                 simdjson::dom::parser& parser);

struct ZohoDeletedPage {
  std::vector<Deletion> deletions;
  bool more_records = false;
};
Result<ZohoDeletedPage> parse_zoho_deleted_page(std::string_view body, std::string_view module,
                                                simdjson::dom::parser& parser);

// A refused request as an Error, with Zoho's code and message:
// 401 INVALID_TOKEN / AUTHENTICATION_FAILURE and 403 NO_PERMISSION → auth;
// OAUTH_SCOPE_MISMATCH, INVALID_MODULE, INVALID_URL_PATTERN, REQUIRED_PARAM_MISSING,
// INVALID_DATA, LIMIT_EXCEEDED (any other 4xx) → config; 429 TOO_MANY_REQUESTS /
// LIMIT_REACHED, 5xx, and the page-token codes (DISCRETE_PAGINATION_LIMIT_EXCEEDED,
// PAGINATION_LIMIT_EXCEEDED, EXPIRED_VALUE, TOKEN_BOUND_DATA_MISMATCH: the run fails and
// the next one restarts from the watermark) → transient.
Error zoho_error(std::string_view what, const HttpResponse& response);

}  // namespace crm
