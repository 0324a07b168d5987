#include "connectors/dynamics/dynamics_live.h"

#include <fmt/format.h>

#include "connectors/dynamics/dynamics_page.h"
#include "connectors/dynamics/dynamics_request.h"
#include "connectors/live_fields.h"
#include "connectors/live_request.h"
#include "connectors/page_parser.h"

namespace crm {

std::string dynamics_record_url(std::string_view base_url, const DynamicsObject& object, std::string_view id,
                                const std::vector<std::string>* fields) {
  std::vector<std::string> cols = dynamics_select_columns(object);
  if (fields) {
    std::vector<std::string> columns;  // an annotation's column
    for (const auto& f : *fields) columns.push_back(f.substr(0, f.find('@')));
    add_live_field_names(cols, &columns);
  }
  std::string select;
  for (const auto& c : cols) select += (select.empty() ? "" : ",") + c;
  return fmt::format("{}{}/{}({})?$select={}", base_url, kDynamicsApiPath, object.set, url_encode(id), url_encode(select));
}

Headers dynamics_record_headers() {
  return {{"Accept", "application/json"},
          {"OData-MaxVersion", "4.0"},
          {"OData-Version", "4.0"},
          {"Prefer", fmt::format("odata.include-annotations=\"{}\"", kFormattedValue.substr(1))}};
}

bool dynamics_record_gone(const HttpResponse& r) {
  return r.status == 404 && dynamics_error_code(r) == kDynamicsObjectDoesNotExist;
}

Result<LiveRecord> map_dynamics_record(simdjson::dom::parser& parser, std::string_view body,
                                       const DynamicsObject& object, const DynamicsOptions& options,
                                       std::string_view base_url, const LiveRequest& request) {
  const std::string what = fmt::format("dynamics {}({})", object.set, request.external_id);
  auto root = parse_json_page(parser, body, what);
  if (!root) return root.error();
  simdjson::dom::object row;
  if (root->get_object().get(row)) return Error::data(fmt::format("{}: the answer is not a row object", what));
  Page page;
  map_dynamics_row(row, object, options, base_url, page);
  if (page.records.empty())
    return Error::data(fmt::format("{}: {}", what, page.skip_reasons.empty() ? "unmappable" : page.skip_reasons[0]));
  LiveRecord live;
  Record& r = page.records.front();
  if (r.deleted) return live;
  live.crm = live_fields_json(row, request.fields);
  live.record = std::move(r);
  return live;
}

}  // namespace crm
