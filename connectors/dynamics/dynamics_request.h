// Building Dataverse Web API list requests and the connector's page tokens.
//
// A change-tracking read is GET {base}/api/data/v9.2/{set}?$select=… with
// `Prefer: odata.track-changes,…`; the reads below are for tables without it.
//
// A first page is GET {base}/api/data/v9.2/{set}?$select=…&$orderby=modifiedon asc,{id} asc
// (plus &$filter=modifiedon ge 2025-11-20T09:00:00Z on incremental runs: the literal is
// unquoted UTC, and the filter is >= as connector.h requires). Every request, next links
// included, carries the same headers: Accept, OData-MaxVersion/OData-Version 4.0 and
// Prefer: odata.maxpagesize=N,odata.include-annotations="…FormattedValue".
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "connectors/dynamics/dynamics_options.h"
#include "core/time.h"
#include "http/http_client.h"

namespace crm {

std::string dynamics_list_url(std::string_view base_url, const DynamicsObject& object,
                              std::optional<TimePoint> since);
// The first request of a change-tracking read: $select only, since Dataverse refuses
// $filter, $orderby, $expand and $top with `Prefer: odata.track-changes`.
std::string dynamics_tracked_url(std::string_view base_url, const DynamicsObject& object);
// The $select list of an object, comma-separated (what a delta link is made for).
std::string dynamics_select_text(const DynamicsObject& object);
// With `track_changes`, Prefer starts with odata.track-changes (every request of a
// tracked read and of a delta link carries it).
Headers dynamics_headers(int page_size, bool track_changes = false);

// Where a run stands: which object, and the @odata.nextLink to request verbatim ("" for
// that object's first page), of a tracked read or delta (the default) or of a read with
// the modifiedon filter (`plain`). Written "obj:<i>", "next:<i>:<url>" or "list:<i>:<url>".
struct DynamicsToken {
  size_t object = 0;
  std::string next_link;
  bool plain = false;
};
std::string encode_dynamics_token(const DynamicsToken& token);
std::optional<DynamicsToken> decode_dynamics_token(std::string_view text);

}  // namespace crm
