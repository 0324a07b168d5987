#include "store/record_json.h"

#include "core/json_writer.h"

namespace crm {

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
  w.end_object();
}

}  // namespace crm
