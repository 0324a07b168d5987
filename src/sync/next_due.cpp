#include "sync/next_due.h"

#include <algorithm>
#include <cmath>

namespace crm {
namespace {

TimePoint after(TimePoint now, double ms) { return now + Millis{std::llround(ms)}; }

}  // namespace

const char* to_string(NextReason reason) {
  switch (reason) {
    case NextReason::interval: return "interval";
    case NextReason::backoff: return "backoff";
    case NextReason::retry_after: return "retry_after";
    case NextReason::needs_attention: return "needs_attention";
  }
  return "interval";
}

bool needs_attention(const Error& error) {
  return error.kind == ErrorKind::auth || error.kind == ErrorKind::config;
}

NextRun next_due(const SourceSettings& s, int failures, const std::optional<Error>& error, TimePoint now,
                 double random01) {
  const double interval = static_cast<double>(s.interval.count());
  const double u = std::clamp(random01, 0.0, 1.0);
  if (!error || error->kind == ErrorKind::skipped)
    return {after(now, interval * std::max(0.05, 1.0 + s.jitter * (2.0 * u - 1.0))), NextReason::interval};
  const double shorten = 1.0 - s.jitter * u;
  if (needs_attention(*error))
    return {after(now, std::max(static_cast<double>(s.auth_retry.count()), interval) * shorten),
            NextReason::needs_attention};
  if (error->retry_after_s && std::isfinite(*error->retry_after_s)) {
    double hint = std::clamp(*error->retry_after_s * 1000.0, 0.0, static_cast<double>(kMaxRetryAfter.count()));
    return {after(now, std::max(hint, interval)), NextReason::retry_after};
  }
  double wait = interval * std::pow(2.0, std::clamp(failures - 1, 0, 30));
  double cap = static_cast<double>(std::max(s.max_backoff, s.interval).count());
  return {after(now, std::min(wait, cap) * shorten), NextReason::backoff};
}

}  // namespace crm
