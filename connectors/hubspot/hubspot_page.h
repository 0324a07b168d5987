// Turning one HubSpot CRM v3 answer (list, archived list or search) into Records.
// Pure functions over the response text; thread-safe (the parser is the caller's).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/connector.h"
#include "connectors/hubspot/hubspot_options.h"
#include "core/result.h"

namespace crm {

// What the paging logic needs to know about an answer beyond its records.
struct HubspotPageInfo {
  size_t results = 0;                     // objects in `results`
  std::optional<std::string> next_after;  // paging.next.after; nullopt: the last page
  std::optional<int64_t> total;           // search only
  int64_t min_modified_ms = INT64_MAX;    // over the results with a modification time
  int64_t max_modified_ms = INT64_MIN;
  uint64_t last_id = 0;                   // numeric id of the last result (instant paging)
};

// A HubSpot time value: ISO 8601 ("2025-11-20T09:14:03.512Z") or epoch milliseconds
// as a string (older properties). Never epoch seconds.
std::optional<TimePoint> parse_hubspot_time(std::string_view s);

// What map_hubspot_object found beside the Record.
struct HubspotObjectInfo {
  std::string skip;                   // why the object cannot be mapped; "" when it was
  std::optional<TimePoint> modified;  // the modification property, else updatedAt
  simdjson::dom::object properties;   // its `properties`, when it was mapped
};

// One HubSpot object (a list or search result, or a get-by-id answer) into `r`: every
// read maps through here, so that a live read hashes like the page that held the record.
// Archived objects (or all, when `archived_list`) become tombstones. r.external_id is set
// whenever the object has an id, even when it cannot be mapped.
HubspotObjectInfo map_hubspot_object(simdjson::dom::element item, const HubspotObject& object,
                                     const HubspotOptions& options, bool archived_list, Record& r);

// Appends the answer's records to page.records: archived results (or all, when
// `archived_list`) as tombstones, and for each id in a survivor's hs_merged_object_ids a
// tombstone with merged_into. page.high_water grows with live records only.
Result<HubspotPageInfo> map_hubspot_answer(simdjson::dom::parser& parser, std::string_view body,
                                           const HubspotObject& object, const HubspotOptions& options,
                                           bool archived_list, Page& page);

}  // namespace crm
