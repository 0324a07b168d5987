// The `type: hubspot` connector: HubSpot CRM v3 objects (contacts, companies).
// Full passes read the list endpoint with the `after` cursor; incremental runs read the
// search endpoint on each object's modification property (lastmodifieddate for
// contacts, hs_lastmodifieddate for companies), restarting the window at the last
// timestamp seen so that the 10,000-result cap of search is never reached, then the
// archived list for tombstones. Merged-away ids (the survivor's hs_merged_object_ids)
// become tombstones with merged_into. See README.md here and hubspot_page_token.h.
#pragma once

#include "connectors/connector_type.h"

namespace crm {

const ConnectorType& hubspot_connector_type();

}  // namespace crm
