// The `decode` and `trim` of a source's `fields:` block (config/fields_loader.h), done by
// the engine to each record before the limits and the hash, the same for every connector:
// a CRM that stores `O&#039;Brien` then hashes, links and searches as `O'Brien`.
// A name the connector built from given_name and family_name is built again from the
// transformed parts when `name` has no transform of its own. Pure.
#pragma once

#include <map>
#include <string>

#include "config/config.h"
#include "core/record.h"

namespace crm {

// One field's value transformed: HTML references decoded first, then trimmed of ASCII
// white space and no-break spaces (what `&nbsp;` decodes to).
std::string transform_field(std::string_view value, const FieldTransform& t);

// Every configured field of `r` transformed in place; a no-op for an empty map.
void apply_field_transforms(Record& r, const std::map<std::string, FieldTransform>& transforms);

}  // namespace crm
