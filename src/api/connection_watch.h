// ConnectionWatch: the open connections of an HttpServer and the deadline by which each
// must deliver its next request head (request line and headers). libmicrohttpd only
// has an idle timeout, which every byte resets, so a client that trickles its headers
// (slowloris) would hold its connection for ever; here the deadline is absolute:
//   - a new connection must deliver its first head within `header_timeout`;
//   - a kept-alive one its next head within `idle_timeout` of the previous answer.
// While a request is being handled (or waits, suspended) there is no deadline.
// shut_late() shuts the socket of every connection past its deadline; libmicrohttpd
// sees the hang-up at once and closes the connection itself.
//
// Owned by HttpServer::Impl. opened()/closed() come from libmicrohttpd's connection
// notifications; the connection's own thread calls handling()/answered() on its entry;
// the server's watch thread calls shut_late(). Thread-safe: entries are kept alive and
// their sockets open while registered (closed() runs before libmicrohttpd closes the
// socket, under the same mutex that shut_late() holds).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_set>

#include "core/time.h"

namespace crm {

class ConnectionWatch {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  struct Entry {
    int fd = -1;
    std::atomic<int64_t> head_due_ms{0};  // steady ms; 0: no head awaited
    bool shut = false;                    // guarded by ConnectionWatch::mu_
  };

  ConnectionWatch(Millis header_timeout, Millis idle_timeout);
  ~ConnectionWatch();
  ConnectionWatch(const ConnectionWatch&) = delete;
  ConnectionWatch& operator=(const ConnectionWatch&) = delete;

  // A connection was accepted at `now`: its first head is due within header_timeout.
  Entry* opened(int fd, SteadyTime now);
  // Before its socket is closed; `e` is deleted. nullptr is ignored.
  void closed(Entry* e);
  // Its head arrived: no deadline until the request is answered.
  static void handling(Entry* e);
  // Its answer went out at `now`: the next head is due within idle_timeout.
  void answered(Entry* e, SteadyTime now) const;

  // Shuts down (both ways) the sockets of the connections past their deadline at `now`,
  // once each. Returns how many it shut down now.
  size_t shut_late(SteadyTime now);
  size_t size() const;

 private:
  static int64_t ms(SteadyTime t);

  const Millis header_timeout_;
  const Millis idle_timeout_;
  mutable std::mutex mu_;
  std::unordered_set<Entry*> entries_;
};

// True when the peer of connected socket `fd` has hung up (closed, reset, or shut down
// its sending side): a request suspended on it can never be answered. Never blocks.
bool peer_hung_up(int fd);

}  // namespace crm
