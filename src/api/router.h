// Router: which API route a request path is. The route's pattern is its name in metrics
// (a label per route, never per raw path). Pure; thread-safe.
//
// libmicrohttpd hands over the path already percent-decoded, so %2F in an external id
// arrives as '/': the record route therefore takes everything after the source segment
// as the external id, slashes included (source names never hold one: [a-z0-9-]+). A path
// ending in "/live" is the record's live read: an external id that itself ends in "/live"
// can therefore not be read on its own (its /live read still can).
#pragma once

#include <string>
#include <string_view>

namespace crm {

enum class Route { healthz, readyz, metrics, sources, source_runs, records, record, record_live, changes, customers,
                   customer, suggestions, outputs, marks, mark,
                   web,  // the built-in page: / and its files (web_handler.h)
                   unknown };

struct RouteMatch {
  Route route = Route::unknown;
  std::string_view pattern = "unmatched";  // e.g. "/v1/records/{source}/{external_id}"
  std::string source;                      // Route::record, record_live, source_runs
  std::string external_id;                 // Route::record, record_live
  std::string customer_id;                 // Route::customer, as written ("c_12")
  std::string mark_id;                     // Route::mark, as written
};

RouteMatch match_route(std::string_view path);

}  // namespace crm
