// Time: one representation (UTC milliseconds since the epoch) and the parsers for the
// timestamp forms CRMs really send (crm-apis.md rule 5: normalise to UTC, never guess).
// Pure functions; thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crm {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;
using Millis = std::chrono::milliseconds;

inline int64_t to_ms(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint from_ms(int64_t ms) { return TimePoint{Millis{ms}}; }

// ISO 8601 / RFC 3339 and the variants CRMs emit: "T" or " " between date and time,
// optional seconds and fraction, "Z", "+hh:mm", "+hhmm", "+hh" or no zone at all (naive
// values are UTC by convention: Odoo, SuiteCRM filters). A date alone is midnight UTC.
std::optional<TimePoint> parse_iso8601(std::string_view s);
// Epoch seconds (integer or fractional) and epoch milliseconds, as number or string.
std::optional<TimePoint> parse_unix_seconds(std::string_view s);
std::optional<TimePoint> parse_unix_millis(std::string_view s);
// A strptime pattern such as "%d.%m.%Y %H:%M:%S"; %z is honoured, otherwise UTC.
std::optional<TimePoint> parse_with_pattern(std::string_view s, const std::string& pattern);
// HTTP-date (RFC 9110 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT"), for Retry-After.
std::optional<TimePoint> parse_http_date(std::string_view s);

// "2026-11-20T09:14:03Z", with ".123" before the Z only when the milliseconds are not 0.
std::string format_iso8601(TimePoint t);
// Always whole seconds: "2026-11-20T09:14:03Z" (the form query filters expect).
std::string format_iso8601_seconds(TimePoint t);
std::string format_with_pattern(TimePoint t, const std::string& pattern);

// The wall clock, injected so that tests never sleep or depend on "now".
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

// Atomic, so that a test may move it while threads of the code under test read it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint t) : t_(t) {}
  TimePoint now() const override { return t_.load(); }
  void advance(Millis d) { t_.store(t_.load() + d); }
  void set(TimePoint t) { t_.store(t); }

 private:
  std::atomic<TimePoint> t_;
};

}  // namespace crm
