#include "connectors/pipedrive/pipedrive_page.h"

#include <fmt/format.h>

#include "connectors/error_body.h"
#include "connectors/json_fields.h"
#include "connectors/live_fields.h"
#include "connectors/page_parser.h"
#include "connectors/record_fields.h"
#include "core/json_writer.h"
#include "core/text_codec.h"

namespace crm {
namespace {

std::string text_of(simdjson::dom::object item, std::string_view key) {
  std::string out;
  simdjson::dom::element v;
  if (item.at_key(key).get(v) || !scalar_text(v, out)) out.clear();
  return out;
}

// emails / phones: [{value, primary, label}]; the primary one, else the first non-empty.
// v1 answers the same array; a plain string is accepted too.
std::string primary_value(simdjson::dom::object item, std::string_view key) {
  simdjson::dom::element v;
  if (item.at_key(key).get(v)) return {};
  std::string_view s;
  if (!v.get_string().get(s)) return std::string(s);
  simdjson::dom::array arr;
  if (v.get_array().get(arr)) return {};
  std::string first;
  for (auto e : arr) {
    simdjson::dom::object o;
    if (e.get_object().get(o)) continue;
    std::string value = text_of(o, "value");
    if (value.empty()) continue;
    bool primary = false;
    if (!o.at_key("primary").get_bool().get(primary) && primary) return value;
    if (first.empty()) first = std::move(value);
  }
  return first;
}

// org_id: a number in v2; {"value": 5, "name": "Acme"} in v1 (then the name is free).
int64_t org_id_of(simdjson::dom::object item, std::string& v1_name) {
  simdjson::dom::element v;
  if (item.at_key("org_id").get(v)) return 0;
  int64_t id = 0;
  if (!v.get_int64().get(id)) return id;
  simdjson::dom::object o;
  if (!v.get_object().get(o)) {
    v1_name = text_of(o, "name");
    if (!o.at_key("value").get_int64().get(id)) return id;
  }
  return 0;
}

// A field for national_id / extra: a custom field key (values may be objects such as
// monetary {"value": 10, "currency": "EUR"}: their value is taken) or a top-level scalar.
std::string field_value(simdjson::dom::object item, const std::string& key) {
  simdjson::dom::object custom;
  simdjson::dom::element v;
  if (!item.at_key("custom_fields").get_object().get(custom) && !custom.at_key(key).get(v)) {
    std::string out;
    simdjson::dom::object o;
    if (!v.get_object().get(o)) return text_of(o, "value");
    if (scalar_text(v, out)) return out;
    return {};
  }
  return text_of(item, key);
}

void map_item(simdjson::dom::object item, const PipedriveObject& object, const PipedriveOptions& options,
              std::string_view base_url, PipedriveListPage& out) {
  Record r;
  r.kind = object.kind;
  r.external_id = text_of(item, "id");
  if (r.external_id.empty()) {
    out.page.skip(fmt::format("{}: an item without an id", object.name));
    return;
  }
  r.name = text_of(item, "name");
  int64_t org = 0;
  if (object.which == PipedriveObjectKind::persons) {
    r.given_name = text_of(item, "first_name");
    r.family_name = text_of(item, "last_name");
    r.email = primary_value(item, "emails");
    if (r.email.empty()) r.email = primary_value(item, "email");  // v1 spelling
    r.phone = primary_value(item, "phones");
    if (r.phone.empty()) r.phone = primary_value(item, "phone");
    org = org_id_of(item, r.company);
    name_from_parts(r);
  }
  std::string updated = text_of(item, "update_time");
  auto t = parse_pipedrive_time(updated);
  if (!t) {
    out.page.skip(fmt::format("{} {}: update_time '{}' is not a timestamp", object.name, r.external_id,
                              updated.substr(0, 40)));
    return;
  }
  r.remote_updated_at = *t;
  if (!options.national_id_field.empty()) r.national_id = field_value(item, options.national_id_field);
  if (!options.country_field.empty()) r.country = field_value(item, options.country_field);
  set_extra_fields(r, options.extra, [&](const std::string& key, std::string& out) {
    out = field_value(item, key);
    return true;
  });
  r.web_url = expand_web_url(options.web_url, r.external_id, {{"{base_url}", base_url}, {"{object}", object.web_segment}});
  // The lists leave deleted items out; should one come (v2 has the flag), it is a
  // tombstone, and it does not move the watermark.
  bool deleted = false;
  if (!item.at_key("is_deleted").get_bool().get(deleted) && deleted) r.deleted = true;
  if (!r.deleted && (!out.page.high_water || *t > *out.page.high_water)) out.page.high_water = *t;
  out.page.records.push_back(std::move(r));
  out.org_ids.push_back(org);
}

}  // namespace

std::optional<TimePoint> parse_pipedrive_time(std::string_view s) {
  if (s.size() == 19 && s[10] == ' ') {  // v1: naive, UTC by Pipedrive's convention
    std::string iso(s);
    iso[10] = 'T';
    iso += 'Z';
    return parse_iso8601(iso);
  }
  if (s.size() < 20) return std::nullopt;  // no zone: never guess
  return parse_iso8601(s);
}

Result<PipedriveListPage> parse_pipedrive_page(std::string_view body, const PipedriveObject& object,
                                               const PipedriveOptions& options, std::string_view base_url,
                                               simdjson::dom::parser& parser) {
  auto root = parse_json_page(parser, body, fmt::format("pipedrive {}", object.name));
  if (!root) return root.error();
  PipedriveListPage out;
  simdjson::dom::element data;
  if (root->at_key("data").get(data))
    return Error::data(fmt::format("pipedrive {}: no \"data\" in the answer", object.name));
  simdjson::dom::array items;
  if (!data.is_null()) {  // v1 answers "data": null for an empty list
    if (data.get_array().get(items))
      return Error::data(fmt::format("pipedrive {}: \"data\" is not an array", object.name));
    out.items = items.size();
    out.org_ids.reserve(items.size());
    for_each_object(
        items, out.page, [&] { return fmt::format("{}: an item that is not an object", object.name); },
        [&](simdjson::dom::object item) { map_item(item, object, options, base_url, out); });
  }
  std::string_view next;
  if (!root->at_pointer("/additional_data/next_cursor").get_string().get(next) && !next.empty())
    out.next_cursor = std::string(next);
  return out;
}

Result<PipedriveOne> parse_pipedrive_one(std::string_view body, const PipedriveObject& object,
                                         const PipedriveOptions& options, std::string_view base_url,
                                         const std::vector<std::string>* fields, simdjson::dom::parser& parser) {
  auto root = parse_json_page(parser, body, fmt::format("pipedrive {} get by id", object.name));
  if (!root) return root.error();
  simdjson::dom::object item;
  if (root->at_key("data").get_object().get(item))
    return Error::data(fmt::format("pipedrive {} get by id: \"data\" is not an object", object.name));
  PipedriveOne out;
  out.list.items = 1;
  map_item(item, object, options, base_url, out.list);
  out.crm = live_fields_json(item, fields);
  return out;
}

bool pipedrive_budget_exhausted(const HttpResponse& r) {
  if (r.status != 429 || r.header("x-ratelimit-remaining") != "0") return false;
  auto reset = parse_uint(r.header("x-ratelimit-reset"));
  return reset && *reset > 60;  // burst windows are 2 seconds; a daily budget resets at 00:00 UTC
}

Error pipedrive_error(std::string_view what, const HttpResponse& r) {
  // {"success":false,"error":"unauthorized access","errorCode":401,"error_info":"Please check …"}:
  // `error` is the message; error_info is the same generic pointer to the docs every time.
  std::string detail = crm_error_message(r.body);
  std::string msg = fmt::format("{}: HTTP {}: {}", what, r.status, detail);
  Error e;
  if (r.status == 429) {
    auto reset = parse_uint(r.header("x-ratelimit-reset"));
    if (pipedrive_budget_exhausted(r))
      msg += fmt::format(": the company's daily API token budget is spent; it resets in {} s (00:00 UTC), so "
                         "this run stops instead of retrying",
                         *reset);
    else if (reset)
      msg += fmt::format(" (x-ratelimit-reset {} s)", *reset);
    e = Error::transient(std::move(msg));
    if (reset) e.retry_after_s = static_cast<double>(*reset);
  } else if (r.status == 401) {
    e = Error::auth(std::move(msg));
  } else if (r.status == 403) {
    e = Error::auth(msg + ": the user behind the token lacks a permission (see connectors/pipedrive/README.md)");
  } else if (r.status == 408 || r.status >= 500) {
    e = Error::transient(std::move(msg));
  } else {
    e = Error::config(std::move(msg));
  }
  e.http_status = static_cast<int>(r.status);
  return e;
}

}  // namespace crm
