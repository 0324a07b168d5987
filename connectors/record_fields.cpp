#include "connectors/record_fields.h"

#include "core/text_codec.h"

namespace crm {

std::string Record::*record_field(std::string_view field) {
  if (field == "name") return &Record::name;
  if (field == "given_name") return &Record::given_name;
  if (field == "family_name") return &Record::family_name;
  if (field == "email") return &Record::email;
  if (field == "phone") return &Record::phone;
  if (field == "company") return &Record::company;
  if (field == "national_id") return &Record::national_id;
  if (field == "country") return &Record::country;
  return nullptr;
}

bool set_record_field(Record& r, std::string_view field, std::string value) {
  std::string Record::*member = record_field(field);
  if (member == nullptr) return false;
  r.*member = std::move(value);
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
  // Per record: copies the text between placeholders in chunks, not byte by byte.
  for (size_t i = 0; i < tmpl.size();) {
    const size_t brace = tmpl.find('{', i);
    out.append(tmpl.substr(i, brace == std::string_view::npos ? std::string_view::npos : brace - i));
    if (brace == std::string_view::npos) break;
    const std::string_view rest = tmpl.substr(brace);
    if (rest.starts_with("{id}") || rest.starts_with("{external_id}")) {
      out += url_encode(id);
      i = brace + (rest.starts_with("{id}") ? 4 : 13);
      continue;
    }
    const WebUrlValue* v = values.begin();
    while (v != values.end() && (v->placeholder.empty() || !rest.starts_with(v->placeholder))) ++v;
    if (v != values.end()) {
      out += v->value;
      i = brace + v->placeholder.size();
      continue;
    }
    out += '{';
    i = brace + 1;
  }
  return out;
}

}  // namespace crm
