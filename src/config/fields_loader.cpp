#include "config/fields_loader.h"

#include <fmt/format.h>

#include <algorithm>

#include "config/did_you_mean.h"

namespace crm {
namespace {

void read_transformed(const Field& f, const std::string& record_field, SourceConfig& out, LoadContext& ctx) {
  Mapping m(f.value, f.path + ".", f.path, ctx);
  m.reject_unknown({"from", "decode", "trim"});
  if (const Field* from = m.find("from"))
    if (auto s = read_nonempty_string(*from, ctx)) out.fields[record_field] = *s;
  FieldTransform t;
  if (const Field* decode = m.find("decode")) {
    if (auto s = read_string(*decode, ctx)) {
      if (*s == "html") t.decode_html = true;
      else if (*s != "none")
        ctx.errors.add(decode->at(), fmt::format("{}: '{}' is not html or none", decode->path, ctx.as_written(decode->value)));
    }
  }
  if (const Field* trim = m.find("trim")) t.trim = read_bool(*trim, ctx).value_or(false);
  if (m.empty()) {
    ctx.errors.add(f.at(), fmt::format("{}: expected from, decode or trim", f.path));
    return;
  }
  if (t == FieldTransform{}) return;
  const auto& text = transformable_fields();
  if (std::find(text.begin(), text.end(), record_field) == text.end()) {
    ctx.errors.add(f.key, fmt::format("{}: decode and trim apply to text fields only ({})", f.path, join_names(text)));
    return;
  }
  out.field_transforms[record_field] = t;
}

}  // namespace

const std::vector<std::string>& transformable_fields() {
  static const std::vector<std::string> f = {"name",    "given_name",  "family_name", "email",
                                             "phone",   "company",     "national_id", "country"};
  return f;
}

void read_fields(const Field& f, SourceConfig& out, LoadContext& ctx) {
  if (!f.value.IsMap()) {
    ctx.errors.add(f.at(), fmt::format("{}: expected a mapping of record fields to the CRM's fields, got {}",
                                       f.path, describe_shape(f.value)));
    return;
  }
  Mapping map(f.value, f.path + ".", f.path, ctx);
  for (const auto& entry : map.fields()) {
    const std::string& record_field = entry.key.Scalar();
    if (entry.value.IsMap()) {
      read_transformed(entry, record_field, out, ctx);
    } else if (auto s = read_string(entry, ctx)) {
      out.fields[record_field] = std::move(*s);
    }
  }
}

}  // namespace crm
