// Reading one Dataverse Web API list answer: {"value":[rows…],"@odata.nextLink":"…"}, rows
// mapped to the minimal Record, and the OData error body of a refused request.
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
  Page page;              // records, high_water, skipped; `next` is left to the caller
  std::string next_link;  // @odata.nextLink, "" on the last page
};

Result<DynamicsPage> parse_dynamics_page(std::string_view body, const DynamicsObject& object,
                                         const DynamicsOptions& options, std::string_view base_url,
                                         simdjson::dom::parser& parser);

// The web_url of one row: {base_url}, {object} (entity logical name) and {id} replaced.
std::string dynamics_web_url(const std::string& tmpl, std::string_view base_url,
                             const DynamicsObject& object, std::string_view id);

// A non-2xx answer as an Error: 401/403 → auth, 400/404 → config, 429/5xx → transient.
// The message carries Dataverse's own "0x80072322: Number of requests exceeded…" (or, for
// the empty-bodied 401, the WWW-Authenticate challenge), never a token.
Error dynamics_error(std::string_view what, const HttpResponse& response);

}  // namespace crm
