#include "connectors/dynamics/dynamics_page.h"

#include <fmt/format.h>

#include "connectors/error_body.h"
#include "connectors/json_fields.h"
#include "connectors/page_parser.h"
#include "connectors/record_fields.h"
#include "core/json_writer.h"
#include "core/text_codec.h"

namespace crm {
namespace {

// A column (or "column@Annotation") of a row as text; "" when absent or null.
// False when the value is an object or array.
bool column_text(simdjson::dom::object row, std::string_view key, std::string& out) {
  return member_text(row, key, out);
}

bool column_true(simdjson::dom::object row, std::string_view key) {
  bool b = false;
  return !row.at_key(key).get_bool().get(b) && b;
}

int64_t column_int(simdjson::dom::object row, std::string_view key) {
  int64_t v = 0;
  if (row.at_key(key).get_int64().get(v)) return 0;
  return v;
}

}  // namespace

void map_dynamics_row(simdjson::dom::object row, const DynamicsObject& object, const DynamicsOptions& options,
                      std::string_view base_url, Page& page) {
  Record r;
  r.kind = object.kind;
  if (!column_text(row, object.id_column, r.external_id) || r.external_id.empty()) {
    page.skip(fmt::format("{} row without a usable {}", object.set, object.id_column));
    return;
  }
  std::string value;
  for (const auto& [field, column] : object.fields) {
    if (!column_text(row, column, value)) {
      page.skip(fmt::format("{} {}: {} is not a scalar", object.set, r.external_id, column));
      return;
    }
    if (field != "company") {
      set_record_field(r, field, value);
    } else {
      // parentcustomerid is polymorphic: a contact's parent may be another contact,
      // whose name is not a company.
      std::string base = column.substr(0, column.find('@'));
      std::string logical;
      column_text(row, base + std::string(kLookupLogicalName), logical);
      if (logical.empty() || logical == "account") r.company = value;
    }
  }
  name_from_parts(r);

  std::string modified;
  column_text(row, "modifiedon", modified);
  if (auto t = parse_iso8601(modified)) {
    r.remote_updated_at = *t;
    if (!page.high_water || *t > *page.high_water) page.high_water = *t;
  } else {
    page.skip(fmt::format("{} {}: modifiedon '{}' is not a timestamp", object.set, r.external_id,
                           modified.substr(0, 40)));
    return;
  }

  set_extra_fields(r, object.extra, [&](const std::string& col, std::string& out) { return column_text(row, col, out); });
  r.web_url = expand_web_url(options.web_url, r.external_id, {{"{base_url}", base_url}, {"{object}", object.logical}});

  // A merge deactivates the subordinate row and points it at the survivor
  // (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/merge-entity-using-web-api).
  if (column_true(row, "merged")) {
    r.deleted = true;
    column_text(row, "_masterid_value", r.merged_into);
  } else if (column_int(row, "statecode") != 0 && options.inactive == InactivePolicy::tombstone) {
    r.deleted = true;
  }
  page.records.push_back(std::move(r));
}

Result<DynamicsPage> parse_dynamics_page(std::string_view body, const DynamicsObject& object,
                                         const DynamicsOptions& options, std::string_view base_url,
                                         simdjson::dom::parser& parser) {
  auto root = parse_json_page(parser, body, fmt::format("dynamics {}", object.set));
  if (!root) return root.error();
  simdjson::dom::array rows;
  if (root->at_key("value").get_array().get(rows))
    return Error::data(fmt::format("dynamics {}: no \"value\" array in the answer", object.set));
  DynamicsPage out;
  for_each_object(
      rows, out.page, [&] { return fmt::format("{}: a row that is not an object", object.set); },
      [&](simdjson::dom::object obj) {
        std::string_view context;
        if (!obj.at_key("@odata.context").get_string().get(context) && context.ends_with("/$deletedEntity")) {
          std::string_view id;
          if (obj.at_key("id").get_string().get(id) || id.empty())
            out.page.skip(fmt::format("{}: a deleted row without an id", object.set));
          else
            out.page.deletions.push_back(Deletion{std::string(id), {}, {}});
          return;
        }
        map_dynamics_row(obj, object, options, base_url, out.page);
      });
  std::string_view link;
  if (!root->at_key("@odata.nextLink").get_string().get(link)) out.next_link = std::string(link);
  if (!root->at_key("@odata.deltaLink").get_string().get(link)) out.delta_link = std::string(link);
  return out;
}

Error dynamics_error(std::string_view what, const HttpResponse& r) {
  std::string detail;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(r.body);
  simdjson::dom::element root;
  std::string_view code, message;
  if (!r.body.empty() && !parser.parse(padded).get(root) &&
      !root.at_pointer("/error/message").get_string().get(message)) {
    if (root.at_pointer("/error/code").get_string().get(code)) code = {};
    std::string m = crm_error_message(r.body);  // cleaned and bounded
    detail = code.empty() ? m : fmt::format("{}: {}", code, m);
  } else if (r.body.empty() && !r.header("www-authenticate").empty()) {
    // Dataverse answers a missing or expired token with an empty body and a challenge.
    std::string challenge(r.header("www-authenticate").substr(0, 200));
    if (size_t uri = challenge.find(", authorization_uri"); uri != std::string::npos) challenge.resize(uri);
    detail = "WWW-Authenticate: " + challenge;
  } else {
    detail = crm_error_message(r.body);
  }
  HttpResponse shaped;  // error_from_response picks the kind; the message is ours
  shaped.status = r.status;
  shaped.retry_after_s = r.retry_after_s;
  Error e = error_from_response(what, shaped);
  e.message = fmt::format("{}: HTTP {}: {}", what, r.status, detail);
  return e;
}

}  // namespace crm

namespace crm {

std::string dynamics_error_code(const HttpResponse& r) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(r.body);
  simdjson::dom::element root;
  std::string_view code;
  if (r.body.empty() || parser.parse(padded).get(root) || root.at_pointer("/error/code").get_string().get(code))
    return {};
  return std::string(code);
}

}  // namespace crm
