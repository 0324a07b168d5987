#include "connectors/hubspot/hubspot_live.h"

#include <fmt/format.h>

#include "connectors/hubspot/hubspot_page.h"
#include "connectors/live_fields.h"
#include "connectors/live_request.h"
#include "connectors/page_parser.h"

namespace crm {

std::string hubspot_record_url(const std::string& base_url, const HubspotOptions& o, const HubspotObject& obj,
                               std::string_view id, const std::vector<std::string>* fields) {
  std::vector<std::string> props = obj.properties;
  add_live_field_names(props, fields);
  std::string list;
  for (const auto& p : props) list += (list.empty() ? "" : ",") + p;
  return fmt::format("{}{}/{}/{}?properties={}&archived=false", base_url, o.path_prefix, obj.name, url_encode(id),
                     url_encode(list));
}

bool hubspot_record_gone(const HttpResponse& r) {
  if (r.status != 404) return false;
  if (r.body.find_first_not_of(" \t\r\n") == std::string::npos) return true;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(r.body);
  simdjson::dom::element root;
  std::string_view category;
  return parser.parse(padded).get(root) == simdjson::SUCCESS &&
         root["category"].get_string().get(category) == simdjson::SUCCESS && category == "OBJECT_NOT_FOUND";
}

Result<LiveRecord> map_hubspot_record(simdjson::dom::parser& parser, std::string_view body,
                                      const HubspotObject& object, const HubspotOptions& options,
                                      const LiveRequest& request) {
  const std::string what = fmt::format("hubspot {} {}", object.name, request.external_id);
  auto root = parse_json_page(parser, body, what);
  if (!root) return root.error();
  Record r;
  HubspotObjectInfo info = map_hubspot_object(*root, object, options, false, r);
  if (!info.skip.empty()) return Error::data(fmt::format("{}: {}", what, info.skip));
  LiveRecord live;
  if (r.deleted) return live;
  if (r.external_id != request.external_id) {
    // A merged-away id answers with its survivor: a tombstone that names it, as a sync's.
    Record gone;
    gone.external_id = request.external_id;
    gone.kind = r.kind;
    gone.deleted = true;
    gone.merged_into = r.external_id;
    live.record = std::move(gone);
    return live;
  }
  live.crm = live_fields_json(info.properties, request.fields);
  live.record = std::move(r);
  return live;
}

}  // namespace crm
