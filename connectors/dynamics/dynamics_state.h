// DynamicsState: what the Dynamics connector keeps between runs (Cursor::state and
// Page::state, stored by the engine in the index): for each entity set, the $select it
// was read with and the @odata.deltaLink of Dataverse change tracking that returns what
// changed since ("" for a table without change tracking, read with the modifiedon filter
// instead). A delta link answers with the columns it was made for, so a state whose
// $select differs from today's configuration is no longer usable.
//
// Text form: {"v":1,"objects":{"contacts":{"select":"contactid,…","delta":"https://…"}}}.
// Value type and pure functions; thread-safe (the parser is the caller's).
#pragma once

#include <simdjson.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace crm {

struct DynamicsObjectState {
  std::string select;  // the $select list, comma-separated
  std::string delta;   // @odata.deltaLink; "" = no change tracking on this table
};

struct DynamicsState {
  std::map<std::string, DynamicsObjectState> objects;  // by entity set name
};

std::string encode_dynamics_state(const DynamicsState& state);
// nullopt when the text is not a state this version wrote.
std::optional<DynamicsState> decode_dynamics_state(std::string_view text, simdjson::dom::parser& parser);

}  // namespace crm
