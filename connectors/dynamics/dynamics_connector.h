// The `type: dynamics` connector: Microsoft Dynamics 365 / Dataverse Web API (OData v4)
// over contacts (persons) and accounts (companies), with Dataverse change tracking.
// A full pass reads each entity set with `Prefer: odata.track-changes` ($select only,
// `odata.maxpagesize`, @odata.nextLink followed verbatim with the same Prefer header);
// its last page carries an @odata.deltaLink, kept per set in the connector's state
// (dynamics_state.h). Incremental runs request those delta links: new and changed rows,
// and deleted rows, which become tombstones at once; a delta link Dataverse no longer
// accepts (0x80044352, expired) or a state that does not fit the configuration asks the
// engine for a full pass. A table without change tracking is read as before, with
// $orderby=modifiedon asc,<id> asc and $filter=modifiedon ge <watermark - overlap>, and
// its deletions wait for a full pass. Merges arrive inline as tombstones with merged_into.
// See README.md here.
#pragma once

#include "connectors/connector_type.h"

namespace crm {

const ConnectorType& dynamics_connector_type();

}  // namespace crm
