// The `type: salesforce` connector: SOQL over the REST query resource, one object after
// the other (Contact, then Account by default), following nextRecordsUrl. It reads
// through queryAll, so rows deleted since the watermark (Recycle Bin, about 15 days)
// arrive inline as tombstones, merged losers with merged_into = MasterRecordId, without
// waiting for a full pass. See README.md here and crm-apis.md, "Salesforce".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/connector.h"
#include "http/http_client.h"

namespace crm {

std::vector<std::string> salesforce_own_keys();
void validate_salesforce_source(const SourceConfig& source, ConfigErrors& errors);
std::unique_ptr<Connector> make_salesforce_connector(const SourceConfig& source, HttpClient& http);

// The decision behind quota_reserve, exposed for tests: an Error when the remaining
// share of the org's daily API requests is under `reserve`.
std::optional<Error> quota_reserve_error(const std::string& source, long long max,
                                         long long remaining, double reserve);

}  // namespace crm
