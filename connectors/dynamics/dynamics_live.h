// A live read (platform.md "Live reads") of one Dataverse row by its key:
// GET {base}/api/data/v9.2/{set}({id})?$select=… with the list's annotations
// (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/retrieve-entity-using-web-api).
// The answer is the row itself, of the list rows' shape, mapped by map_dynamics_row.
// Pure functions; thread-safe (the parser is the caller's).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"
#include "connectors/dynamics/dynamics_options.h"
#include "core/result.h"
#include "http/http_client.h"

namespace crm {

// $select: the columns a list reads, plus the columns `fields` names (a "col@Annotation"
// selects col; a JSON pointer selects nothing), each once.
std::string dynamics_record_url(std::string_view base_url, const DynamicsObject& object, std::string_view id,
                                const std::vector<std::string>* fields);
// The list's headers without paging or change tracking: the annotations the mapping reads.
Headers dynamics_record_headers();

// Dataverse's "no such row": 404 with error code 0x80040217 ("contact With Id = … Does Not
// Exist"). Other 404s ("Resource not found for the segment …", a wrong base_url) are
// errors: a live read that says "gone" tombstones the record.
bool dynamics_record_gone(const HttpResponse& response);
inline constexpr std::string_view kDynamicsObjectDoesNotExist = "0x80040217";

// The 200 answer as a LiveRecord: `crm` from the row's columns; gone (no record, crm "{}")
// when the sync would tombstone it (merged away; deactivated with `inactive: tombstone`).
// A row that cannot be mapped is a data Error.
Result<LiveRecord> map_dynamics_record(simdjson::dom::parser& parser, std::string_view body,
                                       const DynamicsObject& object, const DynamicsOptions& options,
                                       std::string_view base_url, const LiveRequest& request);

}  // namespace crm
