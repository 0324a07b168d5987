// The minimal record's text fields by the names `fields:` uses (name, given_name, …), and
// the display name every connector derives when a CRM gives only first and last name.
// Each connector's mapping repeated both; they sit on the per-record path, so they copy
// nothing they need not. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/record.h"

namespace crm {

// Sets the field named `field` (name, given_name, family_name, email, phone, company,
// national_id, country) to value; false, and r unchanged, for any other name.
bool set_record_field(Record& r, std::string_view field, std::string value);

// When r has no name: "given family", or whichever of the two is set.
void name_from_parts(Record& r);

}  // namespace crm
