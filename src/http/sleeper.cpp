#include "http/sleeper.h"

namespace crm {

bool RealSleeper::sleep_for(Millis d) {
  std::unique_lock lock(mu_);
  if (d.count() > 0) cv_.wait_for(lock, d, [this] { return stopped_.load(); });
  return !stopped_.load();
}

void RealSleeper::stop() {
  {
    // Set under the lock so that a waiter between its predicate check and its wait
    // cannot miss the notification.
    std::lock_guard lock(mu_);
    stopped_.store(true);
  }
  cv_.notify_all();
}

}  // namespace crm
