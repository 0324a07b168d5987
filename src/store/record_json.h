// The API contract's JSON form of a record (design.md "API contract"), shared by the
// export and the HTTP API. "" fields are written as null. Pure; thread-safe.
#pragma once

#include <string>

#include "store/index_reader.h"

namespace crm {

void append_record_json(std::string& out, const StoredRecord& r);

}  // namespace crm
