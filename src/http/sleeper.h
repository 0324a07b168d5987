// Sleeper: waiting, injected so that tests never sleep and so that a shutdown can cut a
// backoff short. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "core/time.h"

namespace crm {

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Returns false when woken early by stop(): the caller should give up.
  virtual bool sleep_for(Millis d) = 0;
  // A shutdown: wakes every waiter, and later waits return false at once.
  virtual void stop() = 0;
  // True once a shutdown began: requests in flight are abandoned at the next chance.
  virtual bool stopped() const = 0;
};

// Really waits; stop() wakes every waiter and makes later waits return false at once.
class RealSleeper final : public Sleeper {
 public:
  bool sleep_for(Millis d) override;
  void stop() override;
  bool stopped() const override { return stopped_.load(); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stopped_{false};
};

// Records the waits and advances a FakeClock instead of waiting.
class FakeSleeper final : public Sleeper {
 public:
  explicit FakeSleeper(FakeClock* clock = nullptr) : clock_(clock) {}
  bool sleep_for(Millis d) override {
    total += d;
    ++calls;
    if (clock_) clock_->advance(d);
    return !stopped_.load();
  }
  void stop() override { stopped_ = true; }
  bool stopped() const override { return stopped_.load(); }
  Millis total{0};
  int calls = 0;

 private:
  FakeClock* clock_;
  std::atomic<bool> stopped_{false};
};

}  // namespace crm
