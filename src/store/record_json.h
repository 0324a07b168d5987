// The API contract's JSON form of a record (design.md "API contract"), shared by the
// export and the HTTP API. "" fields are written as null. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/index_reader.h"

namespace crm {

void append_record_json(std::string& out, const StoredRecord& r);

// Customer ids as the API shows them: "c_<row id of the oldest member>".
std::string format_customer_id(int64_t id);
// nullopt for anything format_customer_id() does not write.
std::optional<int64_t> parse_customer_id(std::string_view text);

}  // namespace crm
