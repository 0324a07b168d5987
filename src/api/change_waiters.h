// ChangeWaiters: the long-polls of GET /v1/changes?wait=. A request that finds nothing
// new parks here, its connection suspended by HttpServer (no thread held), until the
// ChangeNotifier reports a seq beyond the one the request saw, or its wait ends. Then its
// answer is built again on a server thread (DeferredResponse::complete_with).
//
// At most `max_parked` requests park at a time (each holds a connection): park()
// refuses more, and the caller answers 503. A request whose client hung up is given up
// by HttpServer (its DeferredResponse is done) and stops counting at once.
//
// One thread keeps the deadlines; one notifier subscription at a time serves every
// parked request. Owned by ApiServer; stop() before the HttpServer stops. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "api/http_server.h"
#include "store/change_notifier.h"

namespace crm {

class ChangeWaiters {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  // Builds the answer. `final`: the wait is over (deadline, or the server stops), so the
  // answer must not park again.
  using Answer = std::function<ServerResponse(bool final)>;

  ChangeWaiters(ChangeNotifier& notifier, size_t max_parked);
  ~ChangeWaiters();
  ChangeWaiters(const ChangeWaiters&) = delete;
  ChangeWaiters& operator=(const ChangeWaiters&) = delete;

  // Completes `d` with answer(false) once the notifier's last seq exceeds `seen_seq`,
  // or with answer(true) at `deadline` or stop(). After stop(): at once, answer(true).
  // False (and `d` untouched) when max_parked requests wait already.
  [[nodiscard]] bool park(std::shared_ptr<DeferredResponse> d, int64_t seen_seq, SteadyTime deadline,
                          Answer answer);
  // Answers every parked request (final) and ends the thread. Idempotent.
  void stop();
  // Parked requests, given-up ones included until they are pruned.
  size_t parked() const;

 private:
  struct State;
  void run();
  void subscribe_locked();  // state_->mu held

  ChangeNotifier& notifier_;
  const size_t max_parked_;
  std::shared_ptr<State> state_;  // shared with the notifier's callback
  std::thread thread_;
};

}  // namespace crm
