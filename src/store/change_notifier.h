// ChangeNotifier: tells long-polling readers that the change feed grew. The writer calls
// notify() after a commit that appended change rows; the API waits with wait_beyond() or
// subscribes a callback (for suspended HTTP connections). Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "core/time.h"

namespace crm {

class ChangeNotifier {
 public:
  using Callback = std::function<void(int64_t last_seq)>;

  void notify(int64_t last_seq);
  int64_t last_seq() const;
  // Blocks until last_seq() > seq or the timeout passes; returns last_seq().
  int64_t wait_beyond(int64_t seq, Millis timeout);
  // Calls cb (on the notifying thread) at the next notify(); returns an id for cancel().
  // One-shot: the subscription is removed when it fires.
  uint64_t subscribe(Callback cb);
  // True when the subscription was still pending (and is now removed).
  bool cancel(uint64_t id);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t last_seq_ = 0;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Callback> subscribers_;
};

}  // namespace crm
