// The `type: pipedrive` connector: Pipedrive API v2 over persons (person) and
// organizations (company), paged with the v2 cursor in (update_time, id) order;
// incremental runs add updated_since (inclusive). See README.md here.
//
// Company names: v2 persons carry only `org_id`. After each persons page the connector
// asks GET /api/v2/organizations?ids=… for that page's distinct organizations (at most
// ceil(page/100) requests, never one per person), so memory stays one page whatever the
// number of organizations. A renamed organization does not move its persons' update_time:
// incremental runs therefore read the persons of every organization changed since the
// watermark again (GET /api/v2/persons?org_id=X), so that their company follows the new
// name; full runs resolve every person afresh.
//
// Deletions: the lists leave deleted items out (purged after 30 days); a full pass finds
// them with the engine's delete guard. Rate limits: the shared HttpClient retries 429
// bursts (2-second windows); a spent daily token budget is returned at once and fails
// the run with Pipedrive's reset time.
#pragma once

#include "connectors/connector_type.h"

namespace crm {

const ConnectorType& pipedrive_connector_type();

}  // namespace crm
