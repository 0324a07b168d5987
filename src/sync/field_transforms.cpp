#include "sync/field_transforms.h"

#include "core/html_entities.h"
#include "core/text_codec.h"

namespace crm {
namespace {

std::string_view trim_space_and_nbsp(std::string_view s) {
  constexpr std::string_view kNbsp = "\xC2\xA0";
  for (;;) {
    std::string_view t = trim_ascii_space(s);
    if (t.substr(0, kNbsp.size()) == kNbsp) t.remove_prefix(kNbsp.size());
    if (t.size() >= kNbsp.size() && t.substr(t.size() - kNbsp.size()) == kNbsp) t.remove_suffix(kNbsp.size());
    if (t.size() == s.size()) return t;
    s = t;
  }
}

std::string* text_field(Record& r, const std::string& name) {
  if (name == "name") return &r.name;
  if (name == "given_name") return &r.given_name;
  if (name == "family_name") return &r.family_name;
  if (name == "email") return &r.email;
  if (name == "phone") return &r.phone;
  if (name == "company") return &r.company;
  if (name == "national_id") return &r.national_id;
  if (name == "country") return &r.country;
  return nullptr;
}

std::string composed_name(const Record& r) {
  if (r.given_name.empty()) return r.family_name;
  if (r.family_name.empty()) return r.given_name;
  return r.given_name + " " + r.family_name;
}

}  // namespace

std::string transform_field(std::string_view value, const FieldTransform& t) {
  std::string decoded;
  if (t.decode_html && value.find('&') != std::string_view::npos) {
    decoded = decode_html_entities(value);
    value = decoded;
  }
  return std::string(t.trim ? trim_space_and_nbsp(value) : value);
}

void apply_field_transforms(Record& r, const std::map<std::string, FieldTransform>& transforms) {
  if (transforms.empty()) return;
  // A name the connector composed from the parts (name_from_parts) is composed again
  // from the transformed parts, unless `name` has a transform of its own.
  bool composed = !transforms.count("name") && !r.name.empty() && r.name == composed_name(r);
  for (const auto& [name, t] : transforms)
    if (std::string* v = text_field(r, name)) *v = transform_field(*v, t);
  if (composed) r.name = composed_name(r);
}

}  // namespace crm
