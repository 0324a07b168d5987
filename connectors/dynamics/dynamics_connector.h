// The `type: dynamics` connector: Microsoft Dynamics 365 / Dataverse Web API (OData v4)
// over contacts (persons) and accounts (companies). It pages each entity set in turn
// with $select, $orderby=modifiedon asc,<id> asc, `Prefer: odata.maxpagesize` and
// @odata.nextLink (followed verbatim with the same Prefer header); incremental runs add
// $filter=modifiedon ge <watermark - overlap>. Deletions are not visible to that filter:
// a full pass notices them (with the engine's delete guard); merges arrive inline as
// tombstones with merged_into. See README.md here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/connector.h"
#include "http/http_client.h"

namespace crm {

std::vector<std::string> dynamics_own_keys();
void validate_dynamics_source(const SourceConfig& source, ConfigErrors& errors);
std::unique_ptr<Connector> make_dynamics_connector(const SourceConfig& source, HttpClient& http);

}  // namespace crm
