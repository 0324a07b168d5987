#include <doctest/doctest.h>

#include "core/time.h"

using namespace crm;

namespace {
std::string iso(std::optional<TimePoint> t) { return t ? format_iso8601(*t) : "none"; }
}  // namespace

TEST_CASE("parse_iso8601 normalises every form CRMs send to UTC") {
  struct Case { const char* in; const char* out; };
  const Case cases[] = {
      {"2025-11-20T09:14:03Z", "2025-11-20T09:14:03Z"},
      {"2025-11-20T09:14:03.000+0000", "2025-11-20T09:14:03Z"},      // Salesforce
      {"2025-11-20T09:14:03.123+0000", "2025-11-20T09:14:03.123Z"},
      {"2025-11-20T10:14:03+01:00", "2025-11-20T09:14:03Z"},         // SuiteCRM server zone
      {"2025-11-20T14:44:03+05:30", "2025-11-20T09:14:03Z"},         // Zoho user zone
      {"2025-11-20T01:14:03-08:00", "2025-11-20T09:14:03Z"},
      {"2025-11-20 09:14:03", "2025-11-20T09:14:03Z"},               // Odoo: naive UTC
      {"2025-11-20T09:14:03.5Z", "2025-11-20T09:14:03.500Z"},
      {"2025-11-20T09:14:03.123456789Z", "2025-11-20T09:14:03.123Z"},
      {"2025-11-20T09:14Z", "2025-11-20T09:14:00Z"},
      {"2025-11-20", "2025-11-20T00:00:00Z"},
      {"2025-11-20T00:30:00+01", "2025-11-19T23:30:00Z"},
      {"  2025-11-20T09:14:03Z ", "2025-11-20T09:14:03Z"},
      {"2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.in);
    CHECK(iso(parse_iso8601(c.in)) == c.out);
  }
}

TEST_CASE("parse_iso8601 rejects what is not a timestamp") {
  for (const char* bad : {"", "yesterday", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z",
                          "2025-11-20T25:00:00Z", "2025-11-20T09:14:03+2500", "2025-11-20T09:14:03X",
                          "2025-11-20T09:14:03Zjunk", "20251120T091403Z", "2025-11-20T09:14:03."}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_iso8601(bad).has_value());
  }
}

TEST_CASE("epoch seconds, milliseconds, patterns and HTTP dates") {
  CHECK(iso(parse_unix_seconds("1732550400")) == "2024-11-25T16:00:00Z");
  CHECK(iso(parse_unix_seconds("1732550400.25")) == "2024-11-25T16:00:00.250Z");
  CHECK(iso(parse_unix_millis("1732550400123")) == "2024-11-25T16:00:00.123Z");  // Salesforce issued_at
  CHECK_FALSE(parse_unix_millis("17325504001x").has_value());
  CHECK_FALSE(parse_unix_seconds("").has_value());
  CHECK(iso(parse_with_pattern("20.11.2025 10:14:03", "%d.%m.%Y %H:%M:%S")) == "2025-11-20T10:14:03Z");
  CHECK(iso(parse_with_pattern("2025/11/20 10:14:03 +0100", "%Y/%m/%d %H:%M:%S %z")) == "2025-11-20T09:14:03Z");
  CHECK_FALSE(parse_with_pattern("20.11.2025", "%d.%m.%Y %H:%M").has_value());
  CHECK(iso(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT")) == "1994-11-06T08:49:37Z");
}

TEST_CASE("format_iso8601 round-trips") {
  auto t = parse_iso8601("2026-11-20T09:14:03.007Z");
  REQUIRE(t);
  CHECK(format_iso8601(*t) == "2026-11-20T09:14:03.007Z");
  CHECK(format_iso8601_seconds(*t) == "2026-11-20T09:14:03Z");
  CHECK(format_with_pattern(*t, "%Y-%m-%d %H:%M:%S") == "2026-11-20 09:14:03");
  CHECK(format_iso8601(from_ms(0)) == "1970-01-01T00:00:00Z");
}
