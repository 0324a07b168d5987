#include "connectors/json_fields.h"

#include <fmt/format.h>

#include <cmath>

namespace crm {

std::optional<TimestampSpec> parse_timestamp_spec(std::string_view text) {
  if (text == "iso8601") return TimestampSpec{TimestampFormat::iso8601, {}};
  if (text == "unix") return TimestampSpec{TimestampFormat::unix_seconds, {}};
  if (text == "unix_ms") return TimestampSpec{TimestampFormat::unix_millis, {}};
  if (text.find('%') != std::string_view::npos)
    return TimestampSpec{TimestampFormat::pattern, std::string(text)};
  return std::nullopt;
}

bool scalar_text(simdjson::dom::element e, std::string& out) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      out.assign(s.data(), s.size());
      return true;
    }
    case element_type::INT64: out = fmt::format("{}", e.get_int64().value_unsafe()); return true;
    case element_type::UINT64: out = fmt::format("{}", e.get_uint64().value_unsafe()); return true;
    case element_type::DOUBLE: out = fmt::format("{}", e.get_double().value_unsafe()); return true;
    case element_type::BOOL:
      out = e.get_bool().value_unsafe() ? "true" : "";  // Odoo writes false for "no value"
      return true;
    case element_type::NULL_VALUE: out.clear(); return true;
    default: return false;
  }
}

bool member_text(simdjson::dom::object o, std::string_view key, std::string& out,
                 bool (*text_of)(simdjson::dom::element, std::string&)) {
  out.clear();
  simdjson::dom::element v;
  if (o.at_key(key).get(v)) return true;
  return text_of(v, out);
}

std::optional<TimePoint> parse_timestamp_text(std::string_view s, const TimestampSpec& spec) {
  switch (spec.format) {
    case TimestampFormat::iso8601: return parse_iso8601(s);
    case TimestampFormat::unix_seconds: return parse_unix_seconds(s);
    case TimestampFormat::unix_millis: return parse_unix_millis(s);
    case TimestampFormat::pattern: return parse_with_pattern(s, spec.pattern);
  }
  return std::nullopt;
}

std::optional<TimePoint> parse_timestamp(simdjson::dom::element e, const TimestampSpec& spec) {
  std::string text;
  if (e.is_double() && spec.format == TimestampFormat::unix_seconds) {
    double v = e.get_double().value_unsafe();
    // As parse_unix_seconds: beyond year 300000 it is not seconds (and would overflow int64).
    if (std::fabs(v) > 1e13) return std::nullopt;
    return TimePoint{Millis{static_cast<int64_t>(v * 1000.0)}};
  }
  if (!scalar_text(e, text) || text.empty()) return std::nullopt;
  return parse_timestamp_text(text, spec);
}

std::string format_timestamp(TimePoint t, const TimestampSpec& spec) {
  switch (spec.format) {
    case TimestampFormat::iso8601: return format_iso8601_seconds(t);
    case TimestampFormat::unix_seconds:
      return fmt::format("{}", std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count());
    case TimestampFormat::unix_millis: return fmt::format("{}", to_ms(t));
    case TimestampFormat::pattern: return format_with_pattern(t, spec.pattern);
  }
  return {};
}

bool valid_json_pointer(std::string_view p) {
  if (p.empty()) return true;
  if (p[0] != '/') return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '~' && (i + 1 >= p.size() || (p[i + 1] != '0' && p[i + 1] != '1'))) return false;
  }
  return true;
}

}  // namespace crm
