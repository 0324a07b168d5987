#include "http/retry_policy.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace crm {

bool is_retryable_status(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

Millis backoff_delay(int failed_attempts, Millis base, Millis max) {
  if (failed_attempts < 1) failed_attempts = 1;
  if (base.count() <= 0) return Millis{0};
  Millis d = base;
  // Doubling stops at the cap, so a large attempt count cannot overflow.
  for (int i = 1; i < failed_attempts && d < max; ++i) d *= 2;
  return std::min(d, max);
}

Millis jittered(Millis d, std::mt19937_64& rng) {
  if (d.count() <= 1) return d;
  std::uniform_int_distribution<int64_t> dist(d.count() / 2, d.count());
  return Millis{dist(rng)};
}

std::optional<Millis> parse_retry_after(std::string_view value, TimePoint now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
    value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
    value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc::result_out_of_range) return Millis::max();  // "longer than any cap"
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    if (seconds > int64_t{1} << 40) return Millis::max();
    return Millis{seconds * 1000};
  }
  auto when = parse_http_date(value);
  if (!when) return std::nullopt;
  return *when > now ? Millis{*when - now} : Millis{0};
}

}  // namespace crm
