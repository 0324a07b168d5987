// QueryParams: strict reading of a request's query string. Each route names the
// parameters it accepts; anything else is a 400 that names it (a typo such as `limt=5`
// must not silently return the default), and so is a repeated name, a name or value that
// is not UTF-8 or holds a NUL byte. The value parsers below are pure functions, checked
// with tables in tests/unit/api_query_params_test.cpp. Value type; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api_errors.h"
#include "core/time.h"

namespace crm {

class QueryParams {
 public:
  using Pairs = std::vector<std::pair<std::string, std::string>>;

  static Checked<QueryParams> parse(const Pairs& query, std::vector<std::string> accepted);

  // The value, nullopt when absent.
  std::optional<std::string_view> get(std::string_view name) const;

  // When `name` is present, `parse(name, value)` (a Checked<T>) goes into `out`: the
  // parser's 400 when the value is wrong, nullopt otherwise (absent: `out` unchanged).
  template <class T, class Parse>
  std::optional<ApiError> read(std::string_view name, T& out, Parse&& parse) const {
    auto value = get(name);
    if (!value) return std::nullopt;
    auto parsed = parse(name, *value);
    if (!parsed) return parsed.error();
    out = std::move(*parsed);
    return std::nullopt;
  }

 private:
  Pairs values_;
};

// limit=N: digits only, within [min, max].
Checked<int> parse_int_in(std::string_view name, std::string_view value, int min, int max);
// A non-negative integer (a change-feed seq).
Checked<int64_t> parse_seq(std::string_view name, std::string_view value);
// Any text but "" (a source name).
Checked<std::string> parse_nonempty(std::string_view name, std::string_view value);
// true | false.
Checked<bool> parse_bool(std::string_view name, std::string_view value);
// ISO 8601 (core/time.h parse_iso8601): 2026-11-20T09:14:03Z, a date alone, an offset.
Checked<TimePoint> parse_timestamp(std::string_view name, std::string_view value);
// wait=: 500ms, 30s, 1m, or plain seconds (30); at most `max`.
Checked<Millis> parse_wait(std::string_view name, std::string_view value, Millis max);

// True when `s` is valid UTF-8 without NUL bytes.
bool valid_text(std::string_view s);

}  // namespace crm
