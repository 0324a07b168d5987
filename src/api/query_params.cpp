#include "api/query_params.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace crm {
namespace {

// Names and values quoted back in messages are cut: a 30 kB parameter name should not
// come back as a 30 kB error.
constexpr size_t kQuoteMax = 64;

std::string quoted_cut(std::string_view s) {
  if (s.size() <= kQuoteMax) return std::string(s);
  return fmt::format("{}…", s.substr(0, kQuoteMax));
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool valid_text(std::string_view s) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = b(i);
    if (c == 0) return false;
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((b(i + k) & 0xC0) != 0x80) return false;
    if (n == 2 && c < 0xC2) return false;                                  // overlong
    if (n == 3 && c == 0xE0 && b(i + 1) < 0xA0) return false;              // overlong
    if (n == 3 && c == 0xED && b(i + 1) >= 0xA0) return false;             // surrogate
    if (n == 4 && c == 0xF0 && b(i + 1) < 0x90) return false;              // overlong
    if (n == 4 && (c > 0xF4 || (c == 0xF4 && b(i + 1) >= 0x90))) return false;  // > U+10FFFF
    i += n;
  }
  return true;
}

Checked<QueryParams> QueryParams::parse(const Pairs& query, std::vector<std::string> accepted) {
  QueryParams out;
  for (const auto& [name, value] : query) {
    if (!valid_text(name))
      return ApiError{400, "invalid_parameter", "a query parameter name is not valid UTF-8"};
    if (std::find(accepted.begin(), accepted.end(), name) == accepted.end())
      return ApiError::unknown_parameter(quoted_cut(name), accepted);
    if (out.get(name)) return ApiError::bad_parameter(name, "given more than once");
    if (!valid_text(value)) return ApiError::bad_parameter(name, "not valid UTF-8 (or holds a NUL byte)");
    out.values_.emplace_back(name, value);
  }
  return out;
}

std::optional<std::string_view> QueryParams::get(std::string_view name) const {
  for (const auto& [k, v] : values_)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

Checked<int> parse_int_in(std::string_view name, std::string_view value, int min, int max) {
  auto bad = [&] { return ApiError::bad_parameter(name, fmt::format("must be an integer from {} to {}", min, max)); };
  if (!all_digits(value) || value.size() > 9) return bad();
  int n = 0;
  std::from_chars(value.data(), value.data() + value.size(), n);
  if (n < min || n > max) return bad();
  return n;
}

Checked<int64_t> parse_seq(std::string_view name, std::string_view value) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (!all_digits(value) || ec != std::errc() || end != value.data() + value.size())
    return ApiError::bad_parameter(name, "must be a change sequence number (an integer >= 0)");
  return n;
}

Checked<std::string> parse_nonempty(std::string_view name, std::string_view value) {
  if (value.empty()) return ApiError::bad_parameter(name, "must not be empty");
  return std::string(value);
}

Checked<bool> parse_bool(std::string_view name, std::string_view value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return ApiError::bad_parameter(name, "must be true or false");
}

Checked<TimePoint> parse_timestamp(std::string_view name, std::string_view value) {
  if (auto t = parse_iso8601(value)) return *t;
  // A '+' that was not percent-encoded arrives as a space.
  std::string_view hint = value.find(' ') != std::string_view::npos ? " (write '+' as %2B in a URL)" : "";
  return ApiError::bad_parameter(
      name, fmt::format("must be an ISO 8601 time such as 2026-11-20T09:14:03Z{}", hint));
}

Checked<Millis> parse_wait(std::string_view name, std::string_view value, Millis max) {
  size_t digits = 0;
  while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') ++digits;
  std::string_view unit = value.substr(digits);
  int64_t per_unit = unit == "ms" ? 1 : (unit == "s" || unit.empty()) ? 1000 : unit == "m" ? 60000 : 0;
  int64_t n = 0;
  auto max_s = std::chrono::duration_cast<std::chrono::seconds>(max).count();
  auto bad = [&] {
    return ApiError::bad_parameter(
        name, fmt::format("must be a duration such as 500ms, 30s or 30 (seconds), at most {}s", max_s));
  };
  if (digits == 0 || digits > 9 || per_unit == 0) return bad();
  std::from_chars(value.data(), value.data() + digits, n);
  Millis d{n * per_unit};
  if (d > max) return bad();
  return d;
}

}  // namespace crm
