// The `type: salesforce` connector: SOQL over the REST query resource, one object after
// the other (Contact, then Account by default), following nextRecordsUrl. It reads
// through queryAll, so rows deleted since the watermark (Recycle Bin, about 15 days)
// arrive inline as tombstones, merged losers with merged_into = MasterRecordId, without
// waiting for a full pass. See README.md here and crm-apis.md, "Salesforce".
#pragma once

#include <optional>
#include <string>

#include "connectors/connector_type.h"
#include "core/result.h"

namespace crm {

const ConnectorType& salesforce_connector_type();

// The decision behind quota_reserve, exposed for tests: an Error when the remaining
// share of the org's daily API requests is under `reserve`.
std::optional<Error> quota_reserve_error(long long max, long long remaining, double reserve);

}  // namespace crm
