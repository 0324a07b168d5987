#include "connectors/odoo/odoo_page.h"

#include <fmt/format.h>

#include "connectors/json_fields.h"
#include "connectors/page_parser.h"
#include "connectors/record_fields.h"
#include "core/json_writer.h"
#include "core/text_codec.h"
#include "http/http_client.h"

namespace crm {
namespace {

// An absent field reads as empty (search_read only omits fields it was not asked for).
bool field_text(simdjson::dom::object row, std::string_view key, std::string& out) {
  return member_text(row, key, out, odoo_field_text);
}

void map_row(simdjson::dom::object row, const OdooRowContext& c, OdooPage& out) {
  Page& page = out.page;
  int64_t id = 0;
  if (row.at_key("id").get_int64().get(id)) {
    page.skip(fmt::format("{} row without a numeric id", c.object));
    return;
  }
  out.last_id = id;
  std::string_view wd;
  std::optional<TimePoint> written;
  if (!row.at_key("write_date").get_string().get(wd)) written = parse_iso8601(wd);
  out.last_write_ms = written ? std::optional<int64_t>(to_ms(*written)) : std::nullopt;
  if (!written) {
    page.skip(fmt::format("{} {}: write_date is not a timestamp", c.object, id));
    return;
  }

  Record r;
  r.external_id = fmt::format("{}", id);
  bool company = false;
  r.kind = !row.at_key("is_company").get_bool().get(company) && company ? RecordKind::company : RecordKind::person;
  std::string value;
  for (const auto& [target, field] : c.options.fields) {
    // A company's commercial_company_name is its own name: company is for persons only.
    if (target == "company" && r.kind == RecordKind::company) continue;
    if (!field_text(row, field, value)) {
      page.skip(fmt::format("{} {}: field {} is neither a value nor a many2one", c.object, id, field));
      return;
    }
    set_record_field(r, target, std::move(value));
  }
  r.remote_updated_at = *written;
  if (!page.high_water || *written > *page.high_water) page.high_water = *written;

  bool active = true;
  if (!row.at_key("active").get_bool().get(active) && !active &&
      c.options.archived == OdooArchivedPolicy::tombstone)
    r.deleted = true;

  set_extra_fields(r, c.options.extra, [&](const std::string& f, std::string& out) { return field_text(row, f, out); });
  r.web_url = expand_web_url(c.options.web_url, r.external_id, {{"{base_url}", c.base_url}, {"{object}", c.object}});
  page.records.push_back(std::move(r));
}

}  // namespace

bool odoo_field_text(simdjson::dom::element value, std::string& out) {
  simdjson::dom::array pair;
  if (!value.get_array().get(pair)) {
    // many2one: [id, "display name"]; an x2many is a list of ids and has no single value.
    std::string_view name;
    if (pair.size() == 2 && pair.at(0).is_int64() && !pair.at(1).get_string().get(name)) {
      out.assign(name.data(), name.size());
      return true;
    }
    return false;
  }
  return scalar_text(value, out);
}

Result<OdooPage> parse_odoo_rows(simdjson::dom::element result, const OdooRowContext& context) {
  simdjson::dom::array rows;
  if (result.get_array().get(rows)) return Error::data(fmt::format("search_read on {}: the result is not a list", context.object));
  OdooPage out;
  out.rows = rows.size();
  for_each_object(
      rows, out.page, [&] { return fmt::format("{}: a row that is not an object", context.object); },
      [&](simdjson::dom::object row) { map_row(row, context, out); });
  return out;
}

}  // namespace crm
