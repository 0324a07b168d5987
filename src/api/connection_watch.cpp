#include "api/connection_watch.h"

#include <poll.h>
#include <sys/socket.h>

namespace crm {

ConnectionWatch::ConnectionWatch(Millis header_timeout, Millis idle_timeout)
    : header_timeout_(header_timeout), idle_timeout_(idle_timeout) {}

ConnectionWatch::~ConnectionWatch() {
  std::lock_guard lock(mu_);
  for (Entry* e : entries_) delete e;
}

int64_t ConnectionWatch::ms(SteadyTime t) {
  // +1: 0 means "no deadline", and a steady clock may start at 0.
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count() + 1;
}

ConnectionWatch::Entry* ConnectionWatch::opened(int fd, SteadyTime now) {
  auto* e = new Entry;
  e->fd = fd;
  e->head_due_ms.store(ms(now + header_timeout_));
  std::lock_guard lock(mu_);
  entries_.insert(e);
  return e;
}

void ConnectionWatch::closed(Entry* e) {
  if (!e) return;
  {
    std::lock_guard lock(mu_);
    entries_.erase(e);
  }
  delete e;
}

void ConnectionWatch::handling(Entry* e) {
  if (e) e->head_due_ms.store(0);
}

void ConnectionWatch::answered(Entry* e, SteadyTime now) const {
  if (e) e->head_due_ms.store(ms(now + idle_timeout_));
}

size_t ConnectionWatch::shut_late(SteadyTime now) {
  const int64_t t = ms(now);
  size_t n = 0;
  std::lock_guard lock(mu_);
  for (Entry* e : entries_) {
    int64_t due = e->head_due_ms.load();
    if (due == 0 || t <= due || e->shut) continue;
    // The socket is still open: closed() (which precedes its close) waits for mu_.
    ::shutdown(e->fd, SHUT_RDWR);
    e->shut = true;
    ++n;
  }
  return n;
}

size_t ConnectionWatch::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

bool peer_hung_up(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

}  // namespace crm
