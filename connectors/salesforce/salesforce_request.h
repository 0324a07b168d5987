// The SOQL the connector sends: one query per object, ordered by (SystemModstamp, Id) so
// that equal timestamps have a stable order, filtered with >= on SystemModstamp for
// incremental runs (crm-apis.md, Salesforce: SystemModstamp moves for automated changes
// too, LastModifiedDate does not and can be back-dated by imports). Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connectors/salesforce/salesforce_options.h"
#include "core/time.h"

namespace crm {

// Id, the mapped fields, the extra fields, then IsDeleted, MasterRecordId, SystemModstamp;
// each once, in that order.
std::vector<std::string> soql_select_fields(const SfObject& object);

// A date-time literal: unquoted, whole seconds, UTC with Z (an offset's '+' would have to
// be %2B-encoded; Z avoids the trap). Seconds are truncated, which keeps >= inclusive.
std::string soql_datetime(TimePoint t);

// SELECT … FROM <object> [WHERE SystemModstamp >= <literal>] ORDER BY SystemModstamp, Id
std::string build_soql(const SfObject& object, std::optional<TimePoint> since);

}  // namespace crm
