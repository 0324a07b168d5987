#include "connectors/odoo/odoo_request.h"

#include <fmt/format.h>

#include "core/json_writer.h"
#include "core/text_codec.h"

namespace crm {
namespace {

std::string opt(const std::optional<int64_t>& v) { return v ? fmt::format("{}", *v) : "-"; }

bool read_opt(std::string_view s, std::optional<int64_t>& out) {
  if (s == "-") {
    out.reset();
    return true;
  }
  out = parse_int(s);
  return out.has_value();
}

void leaf(JsonWriter& w, std::string_view field, std::string_view op, std::string_view value) {
  w.begin_array().value(field).value(op).value(value).end_array();
}
void leaf(JsonWriter& w, std::string_view field, std::string_view op, int64_t value) {
  w.begin_array().value(field).value(op).value(value).end_array();
}

}  // namespace

std::string encode_odoo_token(const OdooPageToken& t) {
  if (t.by_write_date) return fmt::format("od1:{}:wd:{}:{}", t.object, opt(t.write_ms), opt(t.last_id));
  return fmt::format("od1:{}:id:{}", t.object, opt(t.last_id));
}

std::optional<OdooPageToken> decode_odoo_token(std::string_view s) {
  auto parts = split(s, ':');
  if (parts.size() < 4 || parts[0] != "od1") return std::nullopt;
  OdooPageToken t;
  auto obj = parse_uint(parts[1]);
  if (!obj) return std::nullopt;
  t.object = static_cast<size_t>(*obj);
  if (parts[2] == "id" && parts.size() == 4) {
    if (!read_opt(parts[3], t.last_id)) return std::nullopt;
  } else if (parts[2] == "wd" && parts.size() == 5) {
    t.by_write_date = true;
    if (!read_opt(parts[3], t.write_ms) || !read_opt(parts[4], t.last_id)) return std::nullopt;
    if (t.write_ms.has_value() != t.last_id.has_value()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return t;
}

std::string odoo_datetime(TimePoint t) {
  std::string iso = format_iso8601_seconds(t);  // 2025-11-20T09:14:03Z
  iso[10] = ' ';
  iso.pop_back();
  return iso;
}

std::string odoo_search_read_args(std::string_view db, int64_t uid, std::string_view password,
                                  std::string_view model, const std::vector<std::string>& fields,
                                  const OdooPageToken& token, std::optional<TimePoint> since, int limit) {
  std::string out;
  JsonWriter w(out);
  w.begin_array().value(db).value(uid).value(password).value(model).value("search_read");
  w.begin_array().begin_array();  // args: [domain]
  if (token.by_write_date && token.write_ms && token.last_id) {
    std::string wd = odoo_datetime(from_ms(*token.write_ms));
    leaf(w, "write_date", ">=", wd);
    w.value("|");
    leaf(w, "write_date", ">", wd);
    leaf(w, "id", ">", *token.last_id);
  } else if (token.by_write_date && since) {
    leaf(w, "write_date", ">=", odoo_datetime(*since));
  } else if (!token.by_write_date && token.last_id) {
    leaf(w, "id", ">", *token.last_id);
  }
  w.end_array().end_array();
  w.begin_object();
  w.key("fields").begin_array();
  for (const auto& f : fields) w.value(f);
  w.end_array();
  w.field("order", token.by_write_date ? "write_date asc, id asc" : "id asc");
  w.field("limit", static_cast<int64_t>(limit)).field("offset", static_cast<int64_t>(0));
  w.key("context").begin_object().field("active_test", false).end_object();
  w.end_object().end_array();
  return out;
}

std::string odoo_read_args(std::string_view db, int64_t uid, std::string_view password, std::string_view model,
                           int64_t id, const std::vector<std::string>& fields) {
  std::string out;
  JsonWriter w(out);
  w.begin_array().value(db).value(uid).value(password).value(model).value("read");
  w.begin_array().begin_array().value(id).end_array().end_array();
  w.begin_object().key("fields").begin_array();
  for (const auto& f : fields) w.value(f);
  w.end_array().end_object().end_array();
  return out;
}

std::string odoo_authenticate_args(std::string_view db, std::string_view login, std::string_view password) {
  std::string out;
  JsonWriter w(out);
  w.begin_array().value(db).value(login).value(password).begin_object().end_object().end_array();
  return out;
}

}  // namespace crm
