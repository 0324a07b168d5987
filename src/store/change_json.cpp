#include "store/change_json.h"

#include "core/json_writer.h"
#include "store/record_json.h"

namespace crm {

void append_change_json(std::string& out, const ChangeRow& c, std::string_view index_id) {
  JsonWriter w(out);
  w.begin_object();
  w.field("seq", c.seq);
  w.field("op", c.op);
  w.field("source", c.record.source);
  w.field("external_id", c.record.record.external_id);
  w.field("at", format_iso8601(c.at));
  w.key("customer_id");
  if (c.record.customer_id) w.value(format_customer_id(*c.record.customer_id)); else w.null();
  w.key("record").raw("");  // raw(""): the record is appended straight to `out`
  append_record_json(out, c.record);
  if (c.mark) {
    const MarkInfo& m = *c.mark;
    w.key("mark");
    w.begin_object();
    w.field("id", m.id);
    w.field("op", m.op);
    w.key("other");
    w.begin_object();
    w.field("source", m.other_source);
    w.field("external_id", m.other_external_id);
    w.end_object();
    w.key("note").string_or_null(m.note);
    w.key("by").string_or_null(m.by_user);
    w.field("at", format_iso8601(m.at));
    w.key("removed_at");
    if (m.removed) w.value(format_iso8601(*m.removed)); else w.null();
    w.key("removed_by").string_or_null(m.removed_by);
    w.end_object();
  }
  if (!index_id.empty()) w.field("index_id", index_id);
  w.end_object();
}

}  // namespace crm
