#include "connectors/hubspot/hubspot_request.h"

#include <fmt/format.h>

#include "core/json_writer.h"
#include "http/http_client.h"

namespace crm {
namespace {

std::string object_url(const std::string& base_url, const HubspotOptions& o, const HubspotObject& obj) {
  return base_url + o.path_prefix + "/" + obj.name;
}

void filter(JsonWriter& w, std::string_view property, std::string_view op, std::string_view value) {
  w.begin_object().field("propertyName", property).field("operator", op).field("value", value).end_object();
}

}  // namespace

std::string hubspot_list_url(const std::string& base_url, const HubspotOptions& o, const HubspotObject& obj,
                             bool archived, const std::string& after) {
  std::string props;
  for (const auto& p : obj.properties) props += (props.empty() ? "" : ",") + p;
  std::string url = fmt::format("{}?limit={}&properties={}&archived={}", object_url(base_url, o, obj),
                                o.list_page_size, url_encode(props), archived ? "true" : "false");
  if (!after.empty()) url += "&after=" + url_encode(after);
  return url;
}

std::string hubspot_search_url(const std::string& base_url, const HubspotOptions& o, const HubspotObject& obj) {
  return object_url(base_url, o, obj) + "/search";
}

std::string hubspot_search_body(const HubspotOptions& o, const HubspotObject& obj, const HubspotPageToken& t) {
  std::string out;
  JsonWriter w(out);
  const std::string t_ms = std::to_string(t.t_ms);
  w.begin_object().key("filterGroups").begin_array().begin_object().key("filters").begin_array();
  if (t.phase == HubspotPhase::instant) {
    filter(w, obj.modified_property, "EQ", t_ms);
    filter(w, "hs_object_id", "GT", std::to_string(t.last_id));
  } else {
    filter(w, obj.modified_property, t.strict ? "GT" : "GTE", t_ms);
  }
  w.end_array().end_object().end_array();
  const std::string_view sort = t.phase == HubspotPhase::instant ? std::string_view("hs_object_id")
                                                                 : std::string_view(obj.modified_property);
  w.key("sorts").begin_array().begin_object().field("propertyName", sort).field("direction", "ASCENDING").end_object().end_array();
  w.key("properties").begin_array();
  for (const auto& p : obj.properties) w.value(p);
  w.end_array();
  w.key("limit").value(int64_t{o.search_page_size});
  // Always the first page of a query: the connector restarts the window instead of
  // paging by offset (offsets skip records that move, and stop at 10,000).
  w.field("after", "0");
  w.end_object();
  return out;
}

}  // namespace crm
