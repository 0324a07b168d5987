// A record state as the cluster's CRM_RECORDS stream holds it (platform.md "Beyond one
// machine"): the minimal record of one source's external id, tombstones included, on
// subject "crm-index.rec.<source>.<base64url(external_id)>", so that a stream keeping one
// message per subject is the table of every record's current state.
//
// The body is JSON with every stored field as the index has it ("v": 1). Pure functions;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/record.h"
#include "core/result.h"
#include "store/index_reader.h"

namespace crm {

inline constexpr const char* kRecordsStream = "CRM_RECORDS";
inline constexpr const char* kRecordsSubjects = "crm-index.rec.>";

std::string record_state_subject(std::string_view source, std::string_view external_id);

void append_record_state_json(std::string& out, const StoredRecord& record);

struct RecordState {
  std::string source, crm_type;
  Record record;
};

// Errors: data (not a record state this version wrote).
Result<RecordState> parse_record_state(std::string_view body);

}  // namespace crm
