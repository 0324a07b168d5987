#include "connectors/hubspot/hubspot_page.h"

#include <fmt/format.h>

#include <charconv>

#include "connectors/json_fields.h"
#include "connectors/page_parser.h"
#include "connectors/record_fields.h"
#include "core/json_writer.h"
#include "core/text_codec.h"
#include "http/http_client.h"

namespace crm {
namespace {

// properties.<name> as text; "" when absent or null.
std::string property(simdjson::dom::object props, std::string_view name) {
  std::string out;
  if (name.empty()) return out;
  auto v = props[name];
  if (v.error()) return out;
  if (!scalar_text(v.value_unsafe(), out)) out.clear();
  return out;
}

uint64_t numeric_id(std::string_view s) {
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

std::optional<TimePoint> parse_hubspot_time(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool digits = s.find_first_not_of("0123456789") == std::string_view::npos;
  if (digits) return parse_unix_millis(s);
  return parse_iso8601(s);
}

HubspotObjectInfo map_hubspot_object(simdjson::dom::element item, const HubspotObject& object,
                                     const HubspotOptions& options, bool archived_list, Record& r) {
  HubspotObjectInfo info;
  r.kind = object.kind;
  std::string_view id;
  if (item["id"].get_string().get(id) || id.empty()) {
    info.skip = fmt::format("{}: a result without a string id", object.name);
    return info;
  }
  r.external_id = std::string(id);
  simdjson::dom::object props;
  if (item["properties"].get_object().get(props)) {
    info.skip = fmt::format("{} {}: no properties object", object.name, r.external_id);
    return info;
  }
  info.properties = props;
  for (const auto& [field, prop] : object.fields) {
    set_record_field(r, field, property(props, prop));
  }
  name_from_parts(r);
  // The modification property, else the top-level updatedAt that mirrors it.
  std::optional<TimePoint> t = parse_hubspot_time(property(props, object.modified_property));
  std::string_view updated;
  if (!t && !item["updatedAt"].get_string().get(updated)) t = parse_hubspot_time(updated);
  if (t) r.remote_updated_at = *t;
  info.modified = t;
  bool archived = archived_list;
  if (bool a = false; !item["archived"].get_bool().get(a) && a) archived = true;
  set_extra_fields(r, options.extra, [&](const std::string& key, std::string& out) {
    out = property(props, key);
    return true;
  });
  r.web_url = expand_web_url(options.web_url, r.external_id,
                             {{"{portal_id}", options.portal_id}, {"{object_type_id}", object.type_id},
                              {"{object}", object.name}});
  r.deleted = archived;
  return info;
}

Result<HubspotPageInfo> map_hubspot_answer(simdjson::dom::parser& parser, std::string_view body,
                                           const HubspotObject& object, const HubspotOptions& options,
                                           bool archived_list, Page& page) {
  auto root = parse_json_page(parser, body, fmt::format("hubspot {}", object.name));
  if (!root) return root.error();
  simdjson::dom::array results;
  if ((*root)["results"].get_array().get(results))
    return Error::data(fmt::format("hubspot {}: no 'results' array in the answer", object.name));

  HubspotPageInfo info;
  std::string_view after;
  if (!root->at_pointer("/paging/next/after").get_string().get(after) && !after.empty())
    info.next_after = std::string(after);
  int64_t total = 0;
  if (!(*root)["total"].get_int64().get(total)) info.total = total;

  for (auto item : results) {
    ++info.results;
    Record r;
    HubspotObjectInfo one = map_hubspot_object(item, object, options, archived_list, r);
    if (!r.external_id.empty()) info.last_id = numeric_id(r.external_id);
    if (!one.skip.empty()) {
      page.skip(std::move(one.skip));
      continue;
    }
    if (const auto& t = one.modified) {
      info.min_modified_ms = std::min(info.min_modified_ms, to_ms(*t));
      info.max_modified_ms = std::max(info.max_modified_ms, to_ms(*t));
      if (!r.deleted && (!page.high_water || *t > *page.high_water)) page.high_water = *t;
    }

    // A merge keeps the survivor; the absorbed ids vanish without being archived.
    std::string merged = r.deleted ? std::string() : property(one.properties, "hs_merged_object_ids");
    std::string survivor = r.external_id;
    TimePoint when = r.remote_updated_at;
    page.records.push_back(std::move(r));
    for (std::string_view loser : split(merged, ';')) {
      if (loser.empty() || loser == survivor) continue;
      Record tomb;
      tomb.external_id = std::string(loser);
      tomb.kind = object.kind;
      tomb.deleted = true;
      tomb.merged_into = survivor;
      tomb.remote_updated_at = when;
      page.records.push_back(std::move(tomb));
    }
  }
  return info;
}

}  // namespace crm
