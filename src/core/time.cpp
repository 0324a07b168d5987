#include "core/time.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>

#include "core/text_codec.h"

namespace crm {
namespace {

using namespace std::chrono;

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

std::optional<TimePoint> make_utc(int y, int mo, int d, int h, int mi, int sec, int ms,
                                  int offset_minutes) {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  if (sec == 60) sec = 59;  // leap second: clamp rather than reject
  auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + milliseconds{ms};
  return time_point_cast<milliseconds>(t - minutes{offset_minutes});
}

}  // namespace

std::optional<TimePoint> parse_iso8601(std::string_view s) {
  s = trim_ascii_space(s);
  int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) ||
      s[7] != '-' || !digits(s, 8, 2, d))
    return std::nullopt;
  size_t p = 10;
  if (p < s.size()) {
    if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return std::nullopt;
    ++p;
    if (!digits(s, p, 2, h) || p + 2 >= s.size() || s[p + 2] != ':' || !digits(s, p + 3, 2, mi))
      return std::nullopt;
    p += 5;
    if (p < s.size() && s[p] == ':') {
      if (!digits(s, p + 1, 2, sec)) return std::nullopt;
      p += 3;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        size_t start = p;
        int scale = 100;
        while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) {
          ms += (s[p] - '0') * scale;  // keep milliseconds, drop finer digits
          scale /= 10;
          ++p;
        }
        if (p == start) return std::nullopt;
      }
    }
  }
  int offset = 0;
  if (p < s.size()) {
    char c = s[p];
    if ((c == 'Z' || c == 'z') && p + 1 == s.size()) {
      // UTC
    } else if (c == '+' || c == '-') {
      int oh = 0, om = 0;
      std::string_view z = s.substr(p + 1);
      if (z.size() == 2 && digits(z, 0, 2, oh)) {
      } else if (z.size() == 4 && digits(z, 0, 2, oh) && digits(z, 2, 2, om)) {
      } else if (z.size() == 5 && z[2] == ':' && digits(z, 0, 2, oh) && digits(z, 3, 2, om)) {
      } else {
        return std::nullopt;
      }
      if (oh > 23 || om > 59) return std::nullopt;
      offset = (c == '+' ? 1 : -1) * (oh * 60 + om);
    } else {
      return std::nullopt;
    }
  }
  return make_utc(y, mo, d, h, mi, sec, ms, offset);
}

std::optional<TimePoint> parse_unix_seconds(std::string_view s) {
  s = trim_ascii_space(s);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  if (std::fabs(v) > 1e13) return std::nullopt;  // beyond year 300000: not seconds
  return TimePoint{milliseconds{static_cast<int64_t>(std::llround(v * 1000.0))}};
}

std::optional<TimePoint> parse_unix_millis(std::string_view s) {
  s = trim_ascii_space(s);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return TimePoint{milliseconds{v}};
}

std::optional<TimePoint> parse_with_pattern(std::string_view s, const std::string& pattern) {
  std::string input(trim_ascii_space(s));
  std::tm tm{};
  tm.tm_mday = 1;
  tm.tm_gmtoff = 0;
  const char* end = ::strptime(input.c_str(), pattern.c_str(), &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  long gmtoff = tm.tm_gmtoff;  // set by %z, else 0
  time_t t = ::timegm(&tm);
  if (t == static_cast<time_t>(-1) && tm.tm_year != 69) return std::nullopt;
  return TimePoint{milliseconds{(static_cast<int64_t>(t) - gmtoff) * 1000}};
}

std::optional<TimePoint> parse_http_date(std::string_view s) {
  return parse_with_pattern(s, "%a, %d %b %Y %H:%M:%S GMT");
}

std::string format_iso8601(TimePoint t) {
  auto secs = floor<seconds>(t);
  auto ms = (t - secs).count();
  auto days = floor<std::chrono::days>(secs);
  year_month_day ymd{days};
  hh_mm_ss hms{secs - days};
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                                hms.hours().count(), hms.minutes().count(), hms.seconds().count());
  if (ms != 0) out += fmt::format(".{:03}", ms);
  out += 'Z';
  return out;
}

std::string format_iso8601_seconds(TimePoint t) {
  return format_iso8601(floor<seconds>(t));
}

std::string format_with_pattern(TimePoint t, const std::string& pattern) {
  time_t secs = static_cast<time_t>(floor<seconds>(t).time_since_epoch().count());
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[128];
  size_t n = std::strftime(buf, sizeof buf, pattern.c_str(), &tm);
  return std::string(buf, n);
}

TimePoint SystemClock::now() const {
  return time_point_cast<milliseconds>(system_clock::now());
}

}  // namespace crm
