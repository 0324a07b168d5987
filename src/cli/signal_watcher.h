// SignalWatcher: turns SIGINT/SIGTERM into a stop flag and a wake-up of every backoff,
// from a dedicated thread (sigwait), so no work happens in a signal handler. A second
// signal ends the process at once. Construct it in main() before any other thread.
#pragma once

#include <atomic>
#include <thread>

#include "http/sleeper.h"

namespace crm {

class SignalWatcher {
 public:
  explicit SignalWatcher(RealSleeper& sleeper);
  ~SignalWatcher();
  const std::atomic<bool>& stop_flag() const { return stop_; }

 private:
  RealSleeper& sleeper_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace crm
