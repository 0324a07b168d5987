#include "connectors/zoho/zoho_live.h"

#include <fmt/format.h>

#include "connectors/live_fields.h"
#include "connectors/live_request.h"
#include "connectors/zoho/zoho_page.h"
#include "core/text_codec.h"

namespace crm {

std::string zoho_record_url(std::string_view base_url, const ZohoOptions& options, const ZohoModule& module,
                            std::string_view id, const std::vector<std::string>* fields) {
  std::vector<std::string> names = zoho_field_names(module);
  add_live_field_names(names, fields);
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ",") + n;
  return fmt::format("{}/crm/{}/{}/{}?fields={}", base_url, options.api_version, module.name, url_encode(id),
                     url_encode(list));
}

bool zoho_record_gone(const HttpResponse& r) {
  if (r.status == 204) return true;
  if (r.status != 400 || r.body.empty()) return false;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(r.body);
  simdjson::dom::element root;
  std::string_view code, api_name;
  if (parser.parse(padded).get(root) || root["code"].get_string().get(code) || code != "INVALID_DATA") return false;
  simdjson::dom::object details;
  if (root["details"].get_object().get(details)) return false;
  // The id named as the culprit: {"api_name":"id"} or {"id":"<the id>"}.
  return details["id"].error() == simdjson::SUCCESS ||
         (!details["api_name"].get_string().get(api_name) && api_name == "id");
}

Result<LiveRecord> map_zoho_answer(simdjson::dom::parser& parser, std::string_view body, const ZohoModule& module,
                                   const ZohoOptions& options, const LiveRequest& request) {
  const std::string what = fmt::format("{} {}", module.name, request.external_id);
  auto root = parse_zoho_root(body, what, parser);
  if (!root) return root.error();
  simdjson::dom::array data;
  if (root->at_key("data").get_array().get(data))
    return Error::data(fmt::format("zoho {}: no \"data\" array in the answer", what));
  if (data.size() == 0) return LiveRecord{};
  simdjson::dom::object rec;
  if (data.at(0).get_object().get(rec)) return Error::data(fmt::format("zoho {}: the record is not an object", what));
  ZohoPage out;
  map_zoho_record(rec, module, options, out);
  if (out.page.records.empty())
    return Error::data(fmt::format("zoho {}: {}", what, out.page.skip_reasons.empty() ? "unmappable" : out.page.skip_reasons[0]));
  LiveRecord live;
  Record& r = out.page.records.front();
  if (r.external_id != request.external_id) return live;
  live.crm = live_fields_json(rec, request.fields);
  live.record = std::move(r);
  return live;
}

}  // namespace crm
