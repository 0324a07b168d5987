// Reading one Pipedrive v2 list answer ({"success":true,"data":[…],"additional_data":
// {"next_cursor":…}}) into minimal Records, and a refused request's body into an Error.
//
// Persons carry only their organization's id (`org_id`); the connector fills `company`
// afterwards from one `organizations?ids=` lookup per page (see pipedrive_connector.h),
// so this parser hands back each record's org id beside it. Times are RFC 3339 UTC in
// v2; the naive "YYYY-MM-DD HH:MM:SS" of v1 is read as UTC as Pipedrive documents.
// Pure functions; thread-safe (the parser is the caller's).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"
#include "connectors/pipedrive/pipedrive_options.h"
#include "core/result.h"
#include "http/http_client.h"

namespace crm {

struct PipedriveListPage {
  Page page;                               // records, high_water, skipped; no `next`
  std::optional<std::string> next_cursor;  // additional_data.next_cursor; nullopt: the end
  std::vector<int64_t> org_ids;            // persons: org id per record (0: none); parallel to page.records
  size_t items = 0;                        // entries in `data`, mapped or skipped
};

Result<PipedriveListPage> parse_pipedrive_page(std::string_view body, const PipedriveObject& object,
                                               const PipedriveOptions& options, std::string_view base_url,
                                               simdjson::dom::parser& parser);

// One get-by-id answer ({"success":true,"data":{…}}, GET /api/v2/{object}/{id}): `list`
// holds the one record mapped as a list item is (a person's company still to be filled
// from its org id) or, when it cannot be mapped, the skip; `crm` the allow-listed fields
// of `data` (live_fields.h).
struct PipedriveOne {
  PipedriveListPage list;
  std::string crm;
};
Result<PipedriveOne> parse_pipedrive_one(std::string_view body, const PipedriveObject& object,
                                         const PipedriveOptions& options, std::string_view base_url,
                                         const std::vector<std::string>* fields, simdjson::dom::parser& parser);

// Pipedrive time values: "2025-11-20T09:14:03Z" (v2) or "2025-11-20 09:14:03" (v1, UTC).
std::optional<TimePoint> parse_pipedrive_time(std::string_view s);

// A 429 that retrying within this run cannot help: the company's daily token budget is
// spent (x-ratelimit-remaining 0 with a reset further away than a burst window).
bool pipedrive_budget_exhausted(const HttpResponse& response);

// A non-2xx answer as an Error: 401 → auth, 403 → auth (the user lacks a permission),
// 400/404 → config, 429/5xx → transient. The message carries Pipedrive's own `error`
// (and error_info), the x-ratelimit-reset of a 429, never a token.
Error pipedrive_error(std::string_view what, const HttpResponse& response);

}  // namespace crm
