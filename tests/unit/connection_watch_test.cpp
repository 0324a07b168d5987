// ConnectionWatch and peer_hung_up over real loopback TCP connections; time is passed
// in, so nothing here waits for a deadline.
#include "api/connection_watch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <utility>

using namespace crm;
using namespace std::chrono_literals;

namespace {

// A connected TCP pair on 127.0.0.1: first the server's side, then the client's.
std::pair<int, int> tcp_pair() {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  int client = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  int server = ::accept(listener, nullptr, nullptr);
  REQUIRE(server >= 0);
  ::close(listener);
  return {server, client};
}

// True when `fd` reads end-of-stream (the other side shut it down) without blocking.
bool reads_eof(int fd) {
  char c;
  return ::recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

}  // namespace

TEST_CASE("ConnectionWatch shuts down connections whose request head is late, once") {
  ConnectionWatch watch(10s, 30s);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  auto [slow_server, slow_client] = tcp_pair();
  auto [busy_server, busy_client] = tcp_pair();
  auto* slow = watch.opened(slow_server, t0);
  auto* busy = watch.opened(busy_server, t0);
  CHECK(watch.size() == 2);

  ConnectionWatch::handling(busy);  // its head arrived: handled, no deadline
  CHECK(watch.shut_late(t0 + 10s) == 0);  // due at t0 + 10 s, not yet past
  CHECK_FALSE(reads_eof(slow_client));
  CHECK(watch.shut_late(t0 + 10s + 1ms) == 1);
  CHECK(reads_eof(slow_client));
  CHECK(watch.shut_late(t0 + 1min) == 0);  // already shut
  CHECK_FALSE(reads_eof(busy_client));

  // Answered at t0 + 1 min: the next head is due within idle_timeout.
  watch.answered(busy, t0 + 1min);
  CHECK(watch.shut_late(t0 + 1min + 30s) == 0);
  CHECK(watch.shut_late(t0 + 1min + 31s) == 1);
  CHECK(reads_eof(busy_client));

  watch.closed(slow);
  watch.closed(busy);
  watch.closed(nullptr);
  CHECK(watch.size() == 0);
  for (int fd : {slow_server, slow_client, busy_server, busy_client}) ::close(fd);
}

TEST_CASE("peer_hung_up: a close or a shutdown of the sending side, not pending data") {
  auto [server, client] = tcp_pair();
  CHECK_FALSE(peer_hung_up(server));
  REQUIRE(::send(client, "GET / HTTP/1.1\r\n\r\n", 18, 0) == 18);
  CHECK_FALSE(peer_hung_up(server));  // a pipelined request is no hang-up
  ::close(client);
  CHECK(peer_hung_up(server));
  ::close(server);

  auto [server2, client2] = tcp_pair();
  ::shutdown(client2, SHUT_WR);
  CHECK(peer_hung_up(server2));
  ::close(server2);
  ::close(client2);
}
