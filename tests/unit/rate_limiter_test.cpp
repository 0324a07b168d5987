// RateLimiter, RateLimiters and the sleepers. FakeClock + FakeSleeper: waits are counted,
// never slept.
#include "http/rate_limiter.h"

#include <doctest/doctest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "http/sleeper.h"

using namespace crm;
using namespace std::chrono_literals;

namespace {

const TimePoint kT0 = from_ms(1'763'630'043'000);

// Counts waits from many threads without advancing any clock.
class CountingSleeper final : public Sleeper {
 public:
  bool sleep_for(Millis d) override {
    std::lock_guard lock(mu_);
    total += d;
    ++calls;
    return true;
  }
  void stop() override {}
  bool stopped() const override { return false; }
  std::mutex mu_;
  Millis total{0};
  int calls = 0;
};

}  // namespace

TEST_CASE("rate limiter: 10/s with burst 1 spaces 21 requests over 2 seconds") {
  FakeClock clock{kT0};
  FakeSleeper sleeper{&clock};
  RateLimiter limiter(10.0, 1.0, clock);
  for (int i = 0; i < 21; ++i) REQUIRE(limiter.acquire(sleeper));
  CHECK(sleeper.total == 2s);
  CHECK(sleeper.calls == 20);
  CHECK(clock.now() == kT0 + 2s);
}

TEST_CASE("rate limiter: a burst goes at once after a quiet spell, and refill stops at the burst") {
  FakeClock clock{kT0};
  FakeSleeper sleeper{&clock};
  RateLimiter limiter(2.0, 5.0, clock);
  for (int i = 0; i < 5; ++i) REQUIRE(limiter.acquire(sleeper));
  CHECK(sleeper.calls == 0);
  REQUIRE(limiter.acquire(sleeper));
  CHECK(sleeper.total == 500ms);

  clock.advance(1h);  // refills to 5, not 7200
  for (int i = 0; i < 5; ++i) REQUIRE(limiter.acquire(sleeper));
  CHECK(sleeper.calls == 1);
  REQUIRE(limiter.acquire(sleeper));
  CHECK(sleeper.calls == 2);
}

TEST_CASE("rate limiter: concurrent callers each get their own slot") {
  FakeClock clock{kT0};  // never advances: every wait is the debt at the caller's turn
  CountingSleeper sleeper;
  RateLimiter limiter(10.0, 1.0, clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) limiter.acquire(sleeper);
    });
  for (auto& t : threads) t.join();
  // Caller k (0-based, in arrival order) waits k × 100 ms: 100 ms × (0 + 1 + … + 99).
  CHECK(sleeper.calls == 99);
  CHECK(sleeper.total == Millis{100 * 99 * 100 / 2});
}

TEST_CASE("rate limiter: zero rate means unlimited, and a stopped sleeper refuses") {
  FakeClock clock{kT0};
  FakeSleeper sleeper{&clock};
  RateLimiter unlimited(0.0, 1.0, clock);
  for (int i = 0; i < 100; ++i) REQUIRE(unlimited.acquire(sleeper));
  CHECK(sleeper.calls == 0);

  RealSleeper stopped;
  stopped.stop();
  RateLimiter limiter(1.0, 1.0, clock);
  CHECK(limiter.acquire(stopped));        // the first token needs no wait
  CHECK_FALSE(limiter.acquire(stopped));  // the second would: the sleeper says shut down
}

TEST_CASE("rate limiter: RateLimiters shares one bucket per key") {
  FakeClock clock{kT0};
  FakeSleeper sleeper{&clock};
  RateLimiters registry(clock);
  auto a = registry.get("hubspot-quota", 10.0);
  auto b = registry.get("hubspot-quota", 99.0);  // the first caller's rate wins
  auto c = registry.get("other-source", 10.0);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(b->per_second() == 10.0);

  REQUIRE(a->acquire(sleeper));
  REQUIRE(b->acquire(sleeper));  // same bucket: waits for a's refill
  CHECK(sleeper.total == 100ms);
  REQUIRE(c->acquire(sleeper));  // separate bucket: no wait
  CHECK(sleeper.total == 100ms);
}

TEST_CASE("rate limiter: RealSleeper.stop wakes a waiter and cuts later waits short") {
  RealSleeper sleeper;
  CHECK(sleeper.sleep_for(0ms));
  CHECK(sleeper.sleep_for(1ms));
  bool result = true;
  std::thread waiter([&] { result = sleeper.sleep_for(24h); });
  sleeper.stop();
  waiter.join();
  CHECK_FALSE(result);
  CHECK(sleeper.stopped());
  CHECK_FALSE(sleeper.sleep_for(24h));  // returns at once
}
