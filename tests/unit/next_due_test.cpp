// next_due (src/sync/next_due.h): when a source runs next after each kind of outcome,
// as a table. Times are offsets from a fixed `now`; the random draw is an argument.
#include <doctest/doctest.h>

#include "sync/next_due.h"

using namespace crm;
using namespace std::chrono_literals;

namespace {

Error with_hint(Error e, double seconds) {
  e.retry_after_s = seconds;
  return e;
}

}  // namespace

TEST_CASE("next_due: one table of outcomes") {
  SourceSettings s;
  s.interval = 5min;
  s.jitter = 0.10;
  s.max_backoff = 30min;
  s.auth_retry = 15min;
  const TimePoint now = from_ms(1'800'000'000'000);

  struct Row {
    const char* what;
    int failures;
    std::optional<Error> error;
    double random01;
    Millis expect;
    NextReason reason;
  };
  const Row rows[] = {
      {"ok, middle draw: one interval", 0, std::nullopt, 0.5, 5min, NextReason::interval},
      {"ok, lowest draw: interval - jitter", 0, std::nullopt, 0.0, 270s, NextReason::interval},
      {"skipped (quota reserve): one interval, no backoff", 3, Error::skipped("quota"), 0.5, 5min,
       NextReason::interval},
      {"503, first failure: one interval", 1, Error::transient("HTTP 503"), 0.0, 5min, NextReason::backoff},
      {"503, second failure: doubled", 2, Error::transient("HTTP 503"), 0.0, 10min, NextReason::backoff},
      {"503, third failure: doubled again", 3, Error::transient("HTTP 503"), 0.0, 20min, NextReason::backoff},
      {"503, fifth failure: capped by max_backoff", 5, Error::transient("HTTP 503"), 0.0, 30min, NextReason::backoff},
      {"503, 500th failure: still capped", 500, Error::transient("HTTP 503"), 0.0, 30min, NextReason::backoff},
      {"timeout, jitter shortens by up to 10%", 2, Error::transient("timed out"), 1.0, 9min, NextReason::backoff},
      {"429 without a hint: backoff", 4, Error::transient("HTTP 429"), 0.0, 30min, NextReason::backoff},
      {"internal error: backoff", 1, Error::internal("unreadable token"), 0.0, 5min, NextReason::backoff},
      {"delete guard (data): backoff", 2, Error::data("delete guard"), 0.0, 10min, NextReason::backoff},
      {"429 Retry-After 600 s: what the CRM says", 1, with_hint(Error::transient("HTTP 429"), 600), 0.9, 10min,
       NextReason::retry_after},
      {"Retry-After beyond max_backoff: still what the CRM says", 1,
       with_hint(Error::transient("daily budget"), 5 * 3600), 0.0, 5h, NextReason::retry_after},
      {"Retry-After 2 s: never sooner than one interval", 6, with_hint(Error::transient("burst"), 2), 0.0, 5min,
       NextReason::retry_after},
      {"Retry-After of a week: believed up to a day", 1, with_hint(Error::transient("HTTP 429"), 7 * 86400.0), 0.0,
       24h, NextReason::retry_after},
      {"401: needs attention, retried every auth_retry", 1, Error::auth("HTTP 401"), 0.0, 15min,
       NextReason::needs_attention},
      {"401 again: no backoff growth", 9, Error::auth("HTTP 401"), 0.0, 15min, NextReason::needs_attention},
      {"403 missing scope (config): needs attention", 1, Error::config("MISSING_SCOPES"), 0.0, 15min,
       NextReason::needs_attention},
      {"auth with a hint: still needs attention", 1, with_hint(Error::auth("HTTP 401"), 5), 0.0, 15min,
       NextReason::needs_attention},
      {"auth, jitter shortens by up to 10%", 1, Error::auth("HTTP 401"), 1.0, 810s, NextReason::needs_attention},
  };
  for (const Row& r : rows) {
    CAPTURE(r.what);
    NextRun n = next_due(s, r.failures, r.error, now, r.random01);
    CHECK(n.reason == r.reason);
    CHECK(std::chrono::duration_cast<Millis>(n.at - now).count() == r.expect.count());
  }
}

TEST_CASE("next_due: slow sources are never polled faster than their interval") {
  SourceSettings s;
  s.interval = 1h;
  s.jitter = 0;
  s.max_backoff = 30min;  // below the interval: the interval wins
  s.auth_retry = 15min;
  const TimePoint now = from_ms(0);
  CHECK(next_due(s, 3, Error::transient("x"), now, 0.5).at - now == 1h);
  CHECK(next_due(s, 1, Error::auth("x"), now, 0.5).at - now == 1h);
}

TEST_CASE("needs_attention: only what a person must fix") {
  CHECK(needs_attention(Error::auth("x")));
  CHECK(needs_attention(Error::config("x")));
  CHECK_FALSE(needs_attention(Error::transient("x")));
  CHECK_FALSE(needs_attention(Error::internal("x")));
  CHECK_FALSE(needs_attention(Error::skipped("x")));
}
