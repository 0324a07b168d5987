#include "config/value_parsers.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace crm {
namespace {

struct DurationUnit {
  std::string_view suffix;
  int64_t ms;
};

// Longest suffix first within the same letter, so that "ms" is not read as "m" + "s".
// Order also fixes the rank used to require decreasing units ("1h30m", not "30m1h").
constexpr std::array<DurationUnit, 5> kDurationUnits = {{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"ms", 1},
    {"m", 60'000},
    {"s", 1'000},
}};

// Rank of a unit: larger unit, smaller rank. "ms" sits after "s" although listed before "m".
int unit_rank(std::string_view suffix) {
  if (suffix == "d") return 0;
  if (suffix == "h") return 1;
  if (suffix == "m") return 2;
  if (suffix == "s") return 3;
  return 4;  // ms
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads leading decimal digits into `out`; false on none or on overflow.
bool read_digits(std::string_view& text, int64_t& out) {
  size_t n = 0;
  while (n < text.size() && is_digit(text[n])) ++n;
  if (n == 0) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + n, out);
  if (ec != std::errc() || ptr != text.data() + n) return false;
  text.remove_prefix(n);
  return true;
}

// A non-negative decimal number "12" or "12.5" (no sign, no exponent, no "inf").
std::optional<double> parse_plain_decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int dots = 0;
  for (char c : text) {
    if (c == '.') {
      ++dots;
    } else if (!is_digit(c)) {
      return std::nullopt;
    }
  }
  if (dots > 1 || text.front() == '.' || text.back() == '.') return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

}  // namespace

std::optional<Millis> parse_duration(std::string_view text) {
  if (text == "0") return Millis{0};
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  int last_rank = -1;
  while (!text.empty()) {
    int64_t amount = 0;
    if (!read_digits(text, amount)) return std::nullopt;
    const DurationUnit* unit = nullptr;
    for (const auto& u : kDurationUnits) {
      if (text.substr(0, u.suffix.size()) == u.suffix) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    text.remove_prefix(unit->suffix.size());
    const int rank = unit_rank(unit->suffix);
    if (rank <= last_rank) return std::nullopt;  // "30m1h", "1m1m"
    last_rank = rank;
    int64_t part = 0;
    if (__builtin_mul_overflow(amount, unit->ms, &part)) return std::nullopt;
    if (__builtin_add_overflow(total, part, &total)) return std::nullopt;
  }
  return Millis{total};
}

std::string format_duration(Millis d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  // Whole-second durations are printed in d/h/m/s; others keep their milliseconds.
  static constexpr std::array<DurationUnit, 5> kOrder = {
      {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}}};
  for (const auto& u : kOrder) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms);
      out += u.suffix;
      ms %= u.ms;
    }
  }
  return out;
}

std::optional<double> parse_ratio(std::string_view text) {
  if (!text.empty() && text.back() == '%') {
    auto percent = parse_plain_decimal(text.substr(0, text.size() - 1));
    if (!percent || *percent > 100.0) return std::nullopt;
    return *percent / 100.0;
  }
  auto value = parse_plain_decimal(text);
  if (!value || *value > 1.0) return std::nullopt;
  return value;
}

std::optional<RateLimit> parse_rate(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto count = parse_plain_decimal(text.substr(0, slash));
  if (!count || *count <= 0.0) return std::nullopt;
  const std::string_view unit = text.substr(slash + 1);
  double seconds = 0;
  if (unit == "s") {
    seconds = 1;
  } else if (unit == "m") {
    seconds = 60;
  } else if (unit == "h") {
    seconds = 3600;
  } else {
    return std::nullopt;
  }
  return RateLimit{*count / seconds, std::string(text)};
}

std::optional<long long> parse_integer(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
  if (digits.empty()) return std::nullopt;
  for (char c : digits)
    if (!is_digit(c)) return std::nullopt;
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);  // from_chars refuses '+'
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

std::optional<int64_t> parse_size(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 16) return std::nullopt;
  int64_t n = 0;
  std::from_chars(text.data(), text.data() + digits, n);
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"", 1},          {"B", 1},          {"KiB", 1LL << 10}, {"MiB", 1LL << 20}, {"GiB", 1LL << 30},
      {"TiB", 1LL << 40}, {"KB", 1000},    {"MB", 1000'000},   {"GB", 1000'000'000}, {"TB", 1000'000'000'000}};
  std::string_view unit = text.substr(digits);
  for (const auto& [name, factor] : kUnits) {
    if (unit != name) continue;
    if (n > (int64_t{1} << 50) / factor) return std::nullopt;
    return n * factor;
  }
  return std::nullopt;
}

std::string describe_shape(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "a string";
}

}  // namespace crm
