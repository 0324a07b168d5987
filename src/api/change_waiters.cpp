#include "api/change_waiters.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <vector>

namespace crm {

struct ChangeWaiters::State {
  struct Waiter {
    std::shared_ptr<DeferredResponse> d;
    int64_t seen_seq = 0;
    Answer answer;
  };

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool notified = false;           // the notifier fired since the thread last looked
  bool subscribed = false;         // a notifier subscription is pending
  uint64_t subscription = 0;
  std::multimap<SteadyTime, Waiter> waiters;  // by deadline
};

namespace {

void wake(std::shared_ptr<DeferredResponse> d, ChangeWaiters::Answer answer, bool final) {
  d->complete_with([answer = std::move(answer), final] { return answer(final); });
}

}  // namespace

ChangeWaiters::ChangeWaiters(ChangeNotifier& notifier, size_t max_parked)
    : notifier_(notifier), max_parked_(max_parked), state_(std::make_shared<State>()) {
  thread_ = std::thread([this] { run(); });
}

ChangeWaiters::~ChangeWaiters() { stop(); }

bool ChangeWaiters::park(std::shared_ptr<DeferredResponse> d, int64_t seen_seq, SteadyTime deadline,
                         Answer answer) {
  {
    std::lock_guard lock(state_->mu);
    if (!state_->stopping) {
      if (state_->waiters.size() >= max_parked_) {
        // Requests the server gave up (their client hung up) leave room: drop them now
        // rather than at their deadline. Only when full, so at most max_parked checks.
        std::erase_if(state_->waiters, [](const auto& entry) { return entry.second.d->done(); });
        if (state_->waiters.size() >= max_parked_) return false;
      }
      subscribe_locked();
      state_->waiters.emplace(deadline, State::Waiter{std::move(d), seen_seq, std::move(answer)});
      // A change committed between the caller's read and the subscription above fired
      // no callback for us: look at the seq once more.
      if (notifier_.last_seq() > seen_seq) state_->notified = true;
      state_->cv.notify_all();
      return true;
    }
  }
  wake(std::move(d), std::move(answer), true);
  return true;
}

// Subscriptions are one-shot: the thread takes a new one while requests are parked.
// The callback holds the state, not `this`, and only flags it: the notifier calls it on
// the writer's thread, which must not wait for us.
void ChangeWaiters::subscribe_locked() {
  if (state_->subscribed) return;
  state_->subscription = notifier_.subscribe([s = state_](int64_t) {
    std::lock_guard lock(s->mu);
    s->subscribed = false;
    s->notified = true;
    s->cv.notify_all();
  });
  state_->subscribed = true;
}

void ChangeWaiters::run() {
  std::unique_lock lock(state_->mu);
  while (!state_->stopping) {
    std::vector<std::pair<State::Waiter, bool>> due;  // (waiter, final)
    if (state_->notified) {
      state_->notified = false;
      int64_t seq = notifier_.last_seq();
      for (auto it = state_->waiters.begin(); it != state_->waiters.end();) {
        if (it->second.seen_seq < seq) {
          due.emplace_back(std::move(it->second), false);
          it = state_->waiters.erase(it);
        } else {
          ++it;
        }
      }
    }
    auto now = std::chrono::steady_clock::now();
    while (!state_->waiters.empty() && state_->waiters.begin()->first <= now) {
      due.emplace_back(std::move(state_->waiters.begin()->second), true);
      state_->waiters.erase(state_->waiters.begin());
    }
    if (!state_->waiters.empty() && !state_->subscribed) {
      subscribe_locked();
      // Changes committed while no subscription was pending fired nothing: compare
      // every waiter with the seq once more.
      state_->notified = true;
    }
    if (!due.empty()) {
      lock.unlock();
      for (auto& [w, final] : due) wake(std::move(w.d), std::move(w.answer), final);
      due.clear();
      lock.lock();
      continue;
    }
    if (state_->notified) continue;
    if (state_->waiters.empty()) {
      state_->cv.wait(lock, [&] { return state_->stopping || state_->notified || !state_->waiters.empty(); });
    } else {
      SteadyTime next = state_->waiters.begin()->first;  // a copy: stop() may clear the map meanwhile
      state_->cv.wait_until(lock, next);
    }
  }
}

void ChangeWaiters::stop() {
  std::vector<State::Waiter> rest;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping) return;
    state_->stopping = true;
    for (auto& [deadline, w] : state_->waiters) rest.push_back(std::move(w));
    state_->waiters.clear();
    if (state_->subscribed) notifier_.cancel(state_->subscription);
    state_->subscribed = false;
    state_->cv.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  for (auto& w : rest) wake(std::move(w.d), std::move(w.answer), true);
}

size_t ChangeWaiters::parked() const {
  std::lock_guard lock(state_->mu);
  return state_->waiters.size();
}

}  // namespace crm
