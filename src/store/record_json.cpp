#include "store/record_json.h"

#include "core/json_writer.h"

#include <cstdint>

namespace crm {

std::string format_customer_id(int64_t id) { return "c_" + std::to_string(id); }

std::optional<int64_t> parse_customer_id(std::string_view text) {
  if (text.size() < 3 || text.size() > 21 || text.substr(0, 2) != "c_") return std::nullopt;
  int64_t v = 0;
  for (char c : text.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    if (v > (INT64_MAX - (c - '0')) / 10) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v <= 0 || text[2] == '0') return std::nullopt;
  return v;
}

void append_record_json(std::string& out, const StoredRecord& sr) {
  const Record& r = sr.record;
  JsonWriter w(out);
  w.begin_object();
  w.field("source", sr.source);
  w.field("external_id", r.external_id);
  w.field("crm_type", sr.crm_type);
  w.field("kind", to_string(r.kind));
  w.key("name").string_or_null(r.name);
  w.key("given_name").string_or_null(r.given_name);
  w.key("family_name").string_or_null(r.family_name);
  w.key("email").string_or_null(r.email);
  w.key("phone").string_or_null(r.phone);
  w.key("company").string_or_null(r.company);
  w.key("national_id").string_or_null(r.national_id);
  w.key("country").string_or_null(r.country);
  w.key("remote_updated_at");
  if (to_ms(r.remote_updated_at) == 0) w.null(); else w.value(format_iso8601(r.remote_updated_at));
  w.key("web_url").string_or_null(r.web_url);
  w.key("extra");
  if (r.extra.empty()) w.raw("{}"); else w.raw(r.extra);
  w.field("first_seen", format_iso8601(sr.first_seen));
  w.field("changed_at", format_iso8601(sr.changed_at));
  w.key("deleted_at");
  if (sr.deleted_at) w.value(format_iso8601(*sr.deleted_at)); else w.null();
  w.key("merged_into").string_or_null(r.merged_into);
  w.key("customer_id");
  if (sr.customer_id) w.value(format_customer_id(*sr.customer_id)); else w.null();
  w.end_object();
}

}  // namespace crm
