#include "connectors/record_fields.h"

#include "core/text_codec.h"

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

std::string expand_web_url(std::string_view tmpl, std::string_view id, std::initializer_list<WebUrlValue> values) {
  std::string out;
  if (tmpl.empty()) return out;
  out.reserve(tmpl.size() + id.size());
  for (size_t i = 0; i < tmpl.size();) {
    const std::string_view rest = tmpl.substr(i);
    if (rest[0] == '{') {
      if (rest.starts_with("{id}") || rest.starts_with("{external_id}")) {
        out += url_encode(id);
        i += rest.starts_with("{id}") ? 4 : 13;
        continue;
      }
      const WebUrlValue* v = values.begin();
      while (v != values.end() && (v->placeholder.empty() || !rest.starts_with(v->placeholder))) ++v;
      if (v != values.end()) {
        out += v->value;
        i += v->placeholder.size();
        continue;
      }
    }
    out += rest[0];
    ++i;
  }
  return out;
}

}  // namespace crm
