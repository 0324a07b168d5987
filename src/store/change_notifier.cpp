#include "store/change_notifier.h"

#include <vector>

namespace crm {

void ChangeNotifier::notify(int64_t last_seq) {
  std::map<uint64_t, Callback> fire;
  {
    std::lock_guard lock(mu_);
    if (last_seq <= last_seq_) return;
    last_seq_ = last_seq;
    fire.swap(subscribers_);
  }
  cv_.notify_all();
  for (auto& [id, cb] : fire) cb(last_seq);  // outside the lock: callbacks may re-subscribe
}

int64_t ChangeNotifier::last_seq() const {
  std::lock_guard lock(mu_);
  return last_seq_;
}

int64_t ChangeNotifier::wait_beyond(int64_t seq, Millis timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return last_seq_ > seq; });
  return last_seq_;
}

uint64_t ChangeNotifier::subscribe(Callback cb) {
  std::lock_guard lock(mu_);
  uint64_t id = next_id_++;
  subscribers_.emplace(id, std::move(cb));
  return id;
}

bool ChangeNotifier::cancel(uint64_t id) {
  std::lock_guard lock(mu_);
  return subscribers_.erase(id) > 0;
}

}  // namespace crm
