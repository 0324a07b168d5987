// The `crm` part of a live read (platform.md "Live reads"): the allow-listed fields of
// the CRM's own record, copied as the CRM wrote them. Shared by every connector's
// get_by_id. Pure functions; thread-safe.
#pragma once

#include <simdjson.h>

#include <string>
#include <vector>

namespace crm {

// A value whose JSON is longer than this is shown as null: the dashboard asked for a
// field to look at, not for a CRM's attachment.
inline constexpr size_t kMaxLiveValueBytes = 64 * 1024;

// {"<field>": <value of `object`'s member field, minified, or null>, ...} for each of
// `fields` in order; a field starting with '/' is a JSON pointer into `object`
// ("/address/city"). "{}" for no fields (or a null list).
std::string live_fields_json(simdjson::dom::object object, const std::vector<std::string>* fields);

}  // namespace crm
