// The JSON form of one change-feed event: an item of `GET /v1/changes` and, with the
// index's id, the body of an event an output delivers (platform.md "Events out": the
// record as it is at publish time, so consumers converge). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "store/api_queries.h"

namespace crm {

// Appends {seq, op, source, external_id, at, customer_id, record[, mark][, index_id]};
// index_id is left out when empty.
void append_change_json(std::string& out, const ChangeRow& change, std::string_view index_id = {});

}  // namespace crm
