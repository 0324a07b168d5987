// The limits every record meets before it reaches the index, whatever its CRM sent
// (issue #6 "hostile content"): a 10 MB name, NUL bytes or an endless external id must
// not stop a run, bloat the index or break a client. A record is cut to size, or, when
// it cannot be (its id), rejected; the run counts and logs both and goes on. Pure.
#pragma once

#include <string>

#include "core/record.h"

namespace crm {

inline constexpr size_t kMaxExternalIdBytes = 256;
inline constexpr size_t kMaxFieldBytes = 1024;      // name, email, phone, company, ...
inline constexpr size_t kMaxWebUrlBytes = 4096;
inline constexpr size_t kMaxExtraBytes = 64 * 1024;  // the `extra` JSON object

struct RecordLimitResult {
  bool rejected = false;
  bool truncated = false;
  std::string reason;  // what was wrong, for the log (no field values)
};

// NUL bytes are removed from every text field; a field over its limit is cut at a UTF-8
// character boundary; an `extra` over its limit is dropped (cut JSON is no JSON). A
// record without an external id, or with one over kMaxExternalIdBytes, is rejected.
RecordLimitResult apply_record_limits(Record& r);

}  // namespace crm
