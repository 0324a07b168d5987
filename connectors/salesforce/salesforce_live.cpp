#include "connectors/salesforce/salesforce_live.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "connectors/live_fields.h"
#include "connectors/live_request.h"
#include "connectors/page_parser.h"
#include "connectors/salesforce/salesforce_errors.h"
#include "connectors/salesforce/salesforce_request.h"

namespace crm {

bool valid_sf_id(std::string_view id) {
  return (id.size() == 15 || id.size() == 18) &&
         std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

std::vector<std::string> sf_live_fields(const SfObject& object, const std::vector<std::string>* fields) {
  std::vector<std::string> out = soql_select_fields(object);
  add_live_field_names(out, fields, /*ignore_case=*/true);
  return out;
}

bool sf_live_needs_query(const std::vector<std::string>& fields) {
  return std::any_of(fields.begin(), fields.end(), [](const std::string& f) { return f.find('.') != std::string::npos; });
}

std::string sf_record_url(std::string_view api_root, const SfObject& object, std::string_view id,
                          const std::vector<std::string>& fields) {
  std::string list;
  for (const auto& f : fields) list += (list.empty() ? "" : sf_live_needs_query(fields) ? ", " : ",") + f;
  if (!sf_live_needs_query(fields))
    return fmt::format("{}/sobjects/{}/{}?fields={}", api_root, object.name, id, url_encode(list));
  return fmt::format("{}/query?q={}", api_root,
                     url_encode(fmt::format("SELECT {} FROM {} WHERE Id = '{}'", list, object.name, id)));
}

bool sf_record_gone(const HttpResponse& r) {
  if (r.status != 404) return false;
  const std::string code = parse_sf_error(r.body).code;
  return code == "NOT_FOUND" || code == "ENTITY_IS_DELETED";
}

Result<LiveRecord> map_sf_record(simdjson::dom::parser& parser, std::string_view body, const RowMapping& mapping,
                                 bool query_answer, const LiveRequest& request) {
  const std::string what = fmt::format("{} {}", mapping.object.name, request.external_id);
  auto root = parse_json_page(parser, body, what);
  if (!root) return root.error();
  simdjson::dom::element row = *root;
  if (query_answer) {
    simdjson::dom::array rows;
    if ((*root)["records"].get_array().get(rows)) return Error::data(fmt::format("{}: no 'records' array", what));
    if (rows.size() == 0) return LiveRecord{};  // query leaves out deleted rows
    row = rows.at(0).value_unsafe();
  }
  QueryPage out;
  map_query_row(row, mapping, out);
  if (out.page.records.empty())
    return Error::data(fmt::format("{}: {}", what, out.page.skip_reasons.empty() ? "unmappable" : out.page.skip_reasons[0]));
  Record& r = out.page.records.front();
  LiveRecord live;
  if (r.deleted) return live;
  simdjson::dom::object columns;
  if (row.get_object().get(columns)) return Error::data(fmt::format("{}: the row is not an object", what));
  live.crm = live_fields_json(columns, request.fields);
  live.record = std::move(r);
  return live;
}

}  // namespace crm
