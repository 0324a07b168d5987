// Retry policy of the HTTP client: which outcomes are worth another attempt and how long
// to wait before it. Pure functions (the jitter takes its random source as an argument);
// thread-safe.
#pragma once

#include <optional>
#include <random>
#include <string_view>

#include "core/time.h"

namespace crm {

// 429 and the 5xx that mean "try again" (500, 502, 503, 504). Not 501 or 505: those
// will not change on a retry.
bool is_retryable_status(long status);

// The exponential backoff before attempt n+1 after n failed attempts (n >= 1):
// base * 2^(n-1), capped at max, before jitter.
Millis backoff_delay(int failed_attempts, Millis base, Millis max);

// Full jitter in [d/2, d], so that clients that failed together do not retry together.
Millis jittered(Millis d, std::mt19937_64& rng);

// Retry-After as delta-seconds ("120") or HTTP-date, relative to now; a date in the past
// means 0. nullopt when the value is neither.
std::optional<Millis> parse_retry_after(std::string_view value, TimePoint now);

}  // namespace crm
