// Reading record fields out of parsed JSON (simdjson DOM) the way CRMs write them:
// numbers where strings belong become text, null and false (Odoo) become "", nested
// objects and arrays are refused. Pure functions; thread-safe.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace crm {

enum class TimestampFormat { iso8601, unix_seconds, unix_millis, pattern };

struct TimestampSpec {
  TimestampFormat format = TimestampFormat::iso8601;
  std::string pattern;  // for TimestampFormat::pattern
};

// "iso8601" | "unix" | "unix_ms" | a strftime pattern (must contain '%').
std::optional<TimestampSpec> parse_timestamp_spec(std::string_view text);

// Text of a scalar; false when the value is an object or array.
bool scalar_text(simdjson::dom::element e, std::string& out);
// The text of o[key] as `text_of` reads a value (scalar_text unless a CRM has its own
// shapes, e.g. Odoo's many2one pairs); "" when the key is absent.
bool member_text(simdjson::dom::object o, std::string_view key, std::string& out,
                 bool (*text_of)(simdjson::dom::element, std::string&) = scalar_text);
// A timestamp value (string or number) in the given format.
std::optional<TimePoint> parse_timestamp(simdjson::dom::element e, const TimestampSpec& spec);
std::optional<TimePoint> parse_timestamp_text(std::string_view s, const TimestampSpec& spec);
std::string format_timestamp(TimePoint t, const TimestampSpec& spec);

// RFC 6901 JSON pointer syntax check ("" or "/..." with valid ~ escapes).
bool valid_json_pointer(std::string_view p);

}  // namespace crm
