// next_due: when a source runs next, decided from how its last run ended and nothing
// else (docs/reliability.md, "Errors that steer"):
//  - ok, or skipped on purpose (a quota reserve): one interval, ± jitter;
//  - refused by the CRM (auth, permission, a setting it rejects): the source needs
//    attention; tried again every auth_retry (never more often than the interval), and
//    at once after a config reload (the scheduler's part);
//  - a rate limit whose answer said how long to wait (Retry-After, a reset header): that
//    long, never sooner than one interval, never more than a day (a daily quota resets
//    within one; a longer hint is not believed);
//  - anything else (5xx, timeouts, connection errors, a 429 without a hint): interval,
//    2×, 4×, … capped at max_backoff (never below one interval), shortened by up to the
//    jitter so that sources that failed together do not come back together.
// A pure function: the random draw for the jitter is an argument. Thread-safe.
#pragma once

#include <optional>

#include "config/config.h"
#include "core/result.h"
#include "core/time.h"

namespace crm {

enum class NextReason { interval, backoff, retry_after, needs_attention };
const char* to_string(NextReason reason);

struct NextRun {
  TimePoint at{};
  NextReason reason = NextReason::interval;
};

// The hint a CRM may give is believed up to this long.
inline constexpr Millis kMaxRetryAfter = std::chrono::hours(24);

// True for the errors a person has to fix: retrying soon cannot help.
bool needs_attention(const Error& error);

// `failures`: consecutive failed runs, this one included (0 after an ok or skipped run);
// `error`: why the run failed, nullopt when it did not; `random01`: uniform in [0, 1).
NextRun next_due(const SourceSettings& settings, int failures, const std::optional<Error>& error,
                 TimePoint now, double random01);

}  // namespace crm
