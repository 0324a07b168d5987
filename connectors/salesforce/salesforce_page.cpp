#include "connectors/salesforce/salesforce_page.h"

#include <fmt/format.h>

#include "connectors/json_fields.h"
#include "connectors/page_parser.h"
#include "connectors/record_fields.h"
#include "core/json_writer.h"
#include "core/text_codec.h"
#include "http/http_client.h"

namespace crm {
namespace {

// Salesforce renders "2025-11-20T09:14:03.000+0000"; parse_iso8601 takes the offset
// without a colon (crm-apis.md rule 5).
std::optional<TimePoint> modstamp(simdjson::dom::element row) {
  std::string_view s;
  if (row["SystemModstamp"].get_string().get(s)) return std::nullopt;
  return parse_iso8601(s);
}

}  // namespace

void map_query_row(simdjson::dom::element row, const RowMapping& m, QueryPage& out) {
  Page& page = out.page;
  Record r;
  r.kind = m.object.kind;
  if (!soql_field(row, "Id", r.external_id) || r.external_id.empty()) {
    page.skip(fmt::format("{} row without an Id", m.object.name));
    return;
  }
  std::string value;
  for (const auto& [target, field] : m.object.fields) {
    if (!soql_field(row, field, value)) {
      page.skip(fmt::format("{} {}: field {} is not a scalar", m.object.name, r.external_id, field));
      return;
    }
    set_record_field(r, target, std::move(value));
  }
  auto t = modstamp(row);
  if (!t) {
    page.skip(fmt::format("{} {}: no readable SystemModstamp", m.object.name, r.external_id));
    return;
  }
  r.remote_updated_at = *t;
  out.last_ms = to_ms(*t);
  if (!page.high_water || *t > *page.high_water) page.high_water = *t;
  bool deleted = false;
  if (!row["IsDeleted"].get_bool().get(deleted) && deleted) {
    r.deleted = true;
    soql_field(row, "MasterRecordId", r.merged_into);
  }
  name_from_parts(r);
  set_extra_fields(r, m.object.extra, [&](const std::string& f, std::string& out) { return soql_field(row, f, out); });
  r.web_url = expand_web_url(m.web_url, r.external_id, {{"{instance_url}", m.instance_url}, {"{object}", m.object.name}});
  page.records.push_back(std::move(r));
}

bool soql_field(simdjson::dom::element row, std::string_view name, std::string& out) {
  out.clear();
  simdjson::dom::element cur = row;
  while (true) {
    size_t dot = name.find('.');
    std::string_view head = name.substr(0, dot);
    simdjson::dom::object obj;
    if (cur.get_object().get(obj)) return true;  // a null parent: no value
    simdjson::dom::element next;
    if (obj[head].get(next)) return true;  // absent
    if (dot == std::string_view::npos) return scalar_text(next, out);
    cur = next;
    name.remove_prefix(dot + 1);
  }
}

Result<QueryPage> parse_query_page(simdjson::dom::parser& parser, std::string_view body,
                                   const RowMapping& mapping) {
  auto parsed = parse_json_page(parser, body, "");
  if (!parsed) return parsed.error();
  const simdjson::dom::element root = *parsed;
  simdjson::dom::array rows;
  if (root["records"].get_array().get(rows))
    return Error::data("the answer has no 'records' array");
  QueryPage out;
  bool done = true;
  if (root["done"].get_bool().get(done)) return Error::data("the answer has no boolean 'done'");
  out.done = done;
  if (!done) {
    std::string_view next;
    if (root["nextRecordsUrl"].get_string().get(next) || next.empty() || next[0] != '/')
      return Error::data("the answer says done=false but has no nextRecordsUrl path");
    out.next_url = std::string(next);
  }
  out.page.records.reserve(rows.size());
  for (auto row : rows) map_query_row(row, mapping, out);
  return out;
}

}  // namespace crm
