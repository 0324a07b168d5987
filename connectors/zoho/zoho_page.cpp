#include "connectors/zoho/zoho_page.h"

#include <fmt/format.h>

#include "connectors/error_body.h"
#include "connectors/json_fields.h"
#include "connectors/page_parser.h"
#include "connectors/record_fields.h"
#include "core/json_writer.h"
#include "core/text_codec.h"

namespace crm {
namespace {

// A value as text: a lookup object gives its "name"; false for arrays and objects without
// a name (multi-selects, subforms).
bool value_text(simdjson::dom::element v, std::string& out) {
  if (v.is_object()) {
    simdjson::dom::element name;
    if (v.get_object().value_unsafe().at_key("name").get(name)) return false;
    return scalar_text(name, out);
  }
  return scalar_text(v, out);
}

// A field of a record as text: "" when absent or null.
bool field_text(simdjson::dom::object rec, std::string_view key, std::string& out) {
  return member_text(rec, key, out, value_text);
}

}  // namespace

void map_zoho_record(simdjson::dom::object rec, const ZohoModule& module, const ZohoOptions& options, ZohoPage& out) {
  Page& page = out.page;
  Record r;
  r.kind = module.kind;
  if (!field_text(rec, "id", r.external_id) || r.external_id.empty()) {
    page.skip(fmt::format("{} record without a usable id", module.name));
    return;
  }
  std::string value;
  for (const auto& [field, api_name] : module.fields) {
    if (!field_text(rec, api_name, value)) {
      page.skip(fmt::format("{} {}: {} is not a text value", module.name, r.external_id, api_name));
      return;
    }
    set_record_field(r, field, value);
  }
  name_from_parts(r);

  field_text(rec, "Modified_Time", value);
  auto t = parse_iso8601(value);  // carries the org's offset: normalised to UTC here
  if (!t) {
    page.skip(fmt::format("{} {}: Modified_Time '{}' is not a timestamp", module.name, r.external_id,
                          value.substr(0, 40)));
    return;
  }
  r.remote_updated_at = *t;
  out.last_modified = *t;
  if (!page.high_water || *t > *page.high_water) page.high_water = *t;

  set_extra_fields(r, module.extra, [&](const std::string& f, std::string& out) { return field_text(rec, f, out); });
  r.web_url = expand_web_url(options.web_url, r.external_id, {{"{app_url}", options.app_url}, {"{object}", module.name}});
  page.records.push_back(std::move(r));
}

namespace {

// Zoho's v8 spec also models errors inside a 200 ({"code":…,"status":"error"}).
bool is_error_body(simdjson::dom::element root) {
  std::string_view status;
  return !root.at_key("status").get_string().get(status) && status == "error";
}

}  // namespace

Result<simdjson::dom::element> parse_zoho_root(std::string_view body, std::string_view what,
                                               simdjson::dom::parser& parser) {
  auto root = parse_json_page(parser, body, fmt::format("zoho {}", what));
  if (root && is_error_body(*root)) {
    HttpResponse shaped;
    shaped.status = 400;
    shaped.body = std::string(body);
    return zoho_error(fmt::format("zoho {}", what), shaped);
  }
  return root;
}

namespace {

bool info_more(simdjson::dom::element root) {
  bool more = false;
  return !root.at_pointer("/info/more_records").get_bool().get(more) && more;
}

}  // namespace

Result<ZohoPage> parse_zoho_page(std::string_view body, const ZohoModule& module, const ZohoOptions& options,
                                 simdjson::dom::parser& parser) {
  auto root = parse_zoho_root(body, module.name, parser);
  if (!root) return root.error();
  simdjson::dom::array rows;
  if (root->at_key("data").get_array().get(rows))
    return Error::data(fmt::format("zoho {}: no \"data\" array in the answer", module.name));
  ZohoPage out;
  for_each_object(
      rows, out.page, [&] { return fmt::format("{}: a record that is not an object", module.name); },
      [&](simdjson::dom::object record) { map_zoho_record(record, module, options, out); });
  out.more_records = info_more(*root);
  std::string_view token;
  if (!root->at_pointer("/info/next_page_token").get_string().get(token)) out.next_page_token = std::string(token);
  return out;
}

Result<ZohoDeletedPage> parse_zoho_deleted_page(std::string_view body, std::string_view module,
                                                simdjson::dom::parser& parser) {
  const std::string what = fmt::format("{} deleted", module);
  auto root = parse_zoho_root(body, what, parser);
  if (!root) return root.error();
  simdjson::dom::array rows;
  if (root->at_key("data").get_array().get(rows))
    return Error::data(fmt::format("zoho {}: no \"data\" array in the answer", what));
  ZohoDeletedPage out;
  out.deletions.reserve(rows.size());
  std::string id, when;
  for (auto row : rows) {
    simdjson::dom::object obj;
    if (row.get_object().get(obj) || !field_text(obj, "id", id) || id.empty()) continue;
    field_text(obj, "deleted_time", when);
    Deletion d;
    d.external_id = id;
    if (auto t = parse_iso8601(when)) d.deleted_at = *t;
    else continue;  // a deletion without a time cannot be ordered; the full pass finds it
    out.deletions.push_back(std::move(d));
  }
  out.more_records = info_more(*root);
  return out;
}

Error zoho_error(std::string_view what, const HttpResponse& r) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(r.body);
  simdjson::dom::element root;
  std::string_view code;
  std::string detail;
  if (!r.body.empty() && !parser.parse(padded).get(root) && !root.at_key("code").get_string().get(code)) {
    std::string_view message, param;
    if (root.at_key("message").get_string().get(message)) message = {};
    detail = crm_error_message(fmt::format("{}: {}", code, message));  // cleaned, bounded
    if (!root.at_pointer("/details/param").get_string().get(param) ||
        !root.at_pointer("/details/api_name").get_string().get(param))
      detail += fmt::format(" ({})", crm_error_message(param));
  } else {
    detail = crm_error_message(r.body);  // cleaned and bounded; "(empty body)" for none
  }
  HttpResponse shaped;  // error_from_response picks the kind from the status; codes refine it
  shaped.status = r.status;
  shaped.retry_after_s = r.retry_after_s;
  Error e = error_from_response(what, shaped);
  e.message = fmt::format("{}: HTTP {}: {}", what, r.status, detail);
  if (code == "OAUTH_SCOPE_MISMATCH") e.kind = ErrorKind::config;
  else if (code == "TOO_MANY_REQUESTS" || code == "LIMIT_REACHED" || code == "DISCRETE_PAGINATION_LIMIT_EXCEEDED" ||
           code == "PAGINATION_LIMIT_EXCEEDED" || code == "EXPIRED_VALUE" || code == "TOKEN_BOUND_DATA_MISMATCH")
    e.kind = ErrorKind::transient;
  return e;
}

}  // namespace crm
