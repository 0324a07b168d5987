// Reading one Dataverse Web API list answer: {"value":[rows…],"@odata.nextLink":"…"}, rows
// mapped to the minimal Record, and the OData error body of a refused request. A
// change-tracking answer (a delta) also holds deleted rows, {"@odata.context": "…/$metadata#
// contacts/$deletedEntity", "id": "<guid>", "reason": "deleted"}, which become
// Page::deletions (reason "changed", a row that left the result set, too), and its last
// page an @odata.deltaLink.
//
// Rows that Dynamics merged away (merged = true, _masterid_value = the survivor) become
// tombstones with merged_into; plain deactivated rows follow the `inactive` option. The
// parent account's name comes from the FormattedValue annotation of the polymorphic
// _parentcustomerid_value lookup, and only when that lookup points at an account.
// Timestamps are read from the raw column, never from its (localised) annotation.
// Pure functions; thread-safe (the parser is the caller's).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "connectors/connector.h"
#include "connectors/dynamics/dynamics_options.h"
#include "core/result.h"
#include "http/http_client.h"

namespace crm {

struct DynamicsPage {
  Page page;               // records, deletions, high_water, skipped; `next` and `state` are the caller's
  std::string next_link;   // @odata.nextLink, "" on the last page
  std::string delta_link;  // @odata.deltaLink: on the last page of a change-tracking read
};

// One row (of a list, or a single retrieve) appended to page.records, or counted in
// page.skip: every read maps through here, so a live read hashes like the page that held
// the record.
void map_dynamics_row(simdjson::dom::object row, const DynamicsObject& object, const DynamicsOptions& options,
                      std::string_view base_url, Page& page);

Result<DynamicsPage> parse_dynamics_page(std::string_view body, const DynamicsObject& object,
                                         const DynamicsOptions& options, std::string_view base_url,
                                         simdjson::dom::parser& parser);

// A non-2xx answer as an Error: 401/403 → auth, 400/404 → config, 429/5xx → transient.
// The message carries Dataverse's own "0x80072322: Number of requests exceeded…" (or, for
// the empty-bodied 401, the WWW-Authenticate challenge), never a token.
Error dynamics_error(std::string_view what, const HttpResponse& response);

// The OData error code of a refused request ("0x80044352"), "" when the body has none.
std::string dynamics_error_code(const HttpResponse& response);
// ExpiredVersionStamp: "Version stamp associated with the client has expired. Please
// perform a full sync." The answer to a delta link older than the organization's
// ExpireChangeTrackingInDays (or invalidated by the service).
inline constexpr std::string_view kDynamicsExpiredVersionStamp = "0x80044352";

}  // namespace crm
