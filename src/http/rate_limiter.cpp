#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace crm {

RateLimiter::RateLimiter(double per_second, double burst, const Clock& clock)
    : per_second_(per_second),
      burst_(std::max(1.0, burst)),
      tokens_(std::max(1.0, burst)),
      last_(clock.now()),
      clock_(clock) {}

// Reservation style: the caller takes its token at once, possibly into debt, and then
// sleeps until the debt would have been refilled. Every caller therefore gets its own
// slot in arrival order (no thundering herd, no starvation), and the lock is never held
// while sleeping.
bool RateLimiter::acquire(Sleeper& sleeper) {
  if (!(per_second_ > 0)) return true;  // 0 or negative: unlimited
  Millis wait{0};
  {
    std::lock_guard lock(mu_);
    TimePoint now = clock_.now();
    if (now > last_) {
      double elapsed_s = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(burst_, tokens_ + elapsed_s * per_second_);
      last_ = now;
    }  // a clock that stepped back refills nothing, and last_ stays put
    tokens_ -= 1.0;
    if (tokens_ < 0) {
      double ms = -tokens_ / per_second_ * 1000.0;
      // The small tolerance keeps float noise (0.1 s computed as 100.0000001 ms) from
      // adding a millisecond to every wait.
      wait = Millis{static_cast<int64_t>(std::ceil(ms - 1e-6))};
    }
  }
  if (wait.count() <= 0) return true;
  return sleeper.sleep_for(wait);
}

std::shared_ptr<RateLimiter> RateLimiters::get(const std::string& key, double per_second) {
  std::lock_guard lock(mu_);
  auto& bucket = buckets_[key];
  // Burst 1: requests are spaced evenly, so no one-second window ever sees more than
  // rate + 1 requests (vendors that count per second would answer 429 to a larger burst).
  if (!bucket) bucket = std::make_shared<RateLimiter>(per_second, 1.0, clock_);
  return bucket;
}

}  // namespace crm
