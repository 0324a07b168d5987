// HubspotPageToken: where a HubSpot run stands, as the opaque `next` the engine stores.
//
// A run walks the configured objects in order; for each one it is in one phase:
//   list      full pass: GET /objects/{type}?after=<after>                    (cursor paging)
//   search    incremental: POST /search, modified >= t (or > t when `strict`),
//             sorted ascending, always from offset 0: every page restarts the window at
//             the last timestamp it saw, so the 10,000-result cap of search is never
//             reached and a record edited while we page (it moves to the end) is not skipped
//   instant   more than a page of records share timestamp t: modified == t,
//             hs_object_id > last_id, sorted by hs_object_id (keyset, no cap)
//   archived  incremental: GET /objects/{type}?archived=true&after=<after>  (tombstones)
// Text form: "v1|<object>|<phase>|<after>|<t ms>|<last id>|<strict 0/1>". Value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crm {

enum class HubspotPhase { list, search, instant, archived };

struct HubspotPageToken {
  size_t object = 0;
  HubspotPhase phase = HubspotPhase::list;
  std::string after;     // list / archived: HubSpot's paging.next.after
  int64_t t_ms = 0;      // search / instant: the window start, or the instant
  uint64_t last_id = 0;  // instant: the last hs_object_id read
  bool strict = false;   // search: modified > t instead of >= t (after an instant)

  std::string encode() const;
  static std::optional<HubspotPageToken> decode(std::string_view text);
  bool operator==(const HubspotPageToken&) const = default;
};

}  // namespace crm
