#include "store/record_columns.h"

namespace crm {

// The columns read_record() expects, in order, after the row id.
const char* const kRecordColumns =
    "s.name, r.crm_type, r.external_id, r.kind, r.name, r.given_name, r.family_name, "
    "r.email, r.phone, r.company, r.national_id, r.remote_updated_ms, r.web_url, r.extra, "
    "r.first_seen_ms, r.changed_ms, r.deleted_ms, r.merged_into, r.country, "
    // The customer as design.md "Linking" defines it (sql/0003_link.sql).
    "coalesce((SELECT rc.customer_id FROM record_customer rc WHERE rc.record_id = r.id), "
    "CASE WHEN r.deleted_ms IS NULL THEN r.id END)";

std::optional<TimePoint> opt_time(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return from_ms(c.getInt64());
}

void read_record(SQLite::Statement& q, int i, StoredRecord& sr) {
  sr.source = q.getColumn(i++).getString();
  sr.crm_type = q.getColumn(i++).getString();
  Record& r = sr.record;
  r.external_id = q.getColumn(i++).getString();
  parse_record_kind(q.getColumn(i++).getString(), r.kind);
  r.name = q.getColumn(i++).getString();
  r.given_name = q.getColumn(i++).getString();
  r.family_name = q.getColumn(i++).getString();
  r.email = q.getColumn(i++).getString();
  r.phone = q.getColumn(i++).getString();
  r.company = q.getColumn(i++).getString();
  r.national_id = q.getColumn(i++).getString();
  r.remote_updated_at = from_ms(q.getColumn(i++).getInt64());
  r.web_url = q.getColumn(i++).getString();
  r.extra = q.getColumn(i++).getString();
  sr.first_seen = from_ms(q.getColumn(i++).getInt64());
  sr.changed_at = from_ms(q.getColumn(i++).getInt64());
  sr.deleted_at = opt_time(q.getColumn(i++));
  r.deleted = sr.deleted_at.has_value();
  r.merged_into = q.getColumn(i++).getString();
  r.country = q.getColumn(i++).getString();
  auto cid = q.getColumn(i++);
  sr.customer_id = cid.isNull() ? std::nullopt : std::optional<int64_t>(cid.getInt64());
}

}  // namespace crm
