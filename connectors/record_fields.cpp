#include "connectors/record_fields.h"

namespace crm {

bool set_record_field(Record& r, std::string_view field, std::string value) {
  if (field == "name") r.name = std::move(value);
  else if (field == "given_name") r.given_name = std::move(value);
  else if (field == "family_name") r.family_name = std::move(value);
  else if (field == "email") r.email = std::move(value);
  else if (field == "phone") r.phone = std::move(value);
  else if (field == "company") r.company = std::move(value);
  else if (field == "national_id") r.national_id = std::move(value);
  else if (field == "country") r.country = std::move(value);
  else return false;
  return true;
}

void name_from_parts(Record& r) {
  if (!r.name.empty() || (r.given_name.empty() && r.family_name.empty())) return;
  r.name = r.given_name.empty() ? r.family_name
           : r.family_name.empty() ? r.given_name
                                   : r.given_name + " " + r.family_name;
}

}  // namespace crm
