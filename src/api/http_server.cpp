// HttpServer on libmicrohttpd: internal epoll polling with a thread pool. Every MHD
// callback below runs on a pool thread; the shared state they touch is the immutable
// options, the handler (which must be thread-safe), the log buffer, the connection watch
// and the set of waiting deferred requests (each behind a mutex).
//
// Deferred answers (long-polls) use MHD's suspend/resume: the access handler suspends
// the connection, DeferredResponse::complete() resumes it from any thread, and MHD then
// calls the access handler again, which sends the answer. Two rules of libmicrohttpd
// shape the code: a suspended connection is never closed by MHD (it does not watch its
// socket and does not time it out), so the MHD_Connection pointer stays valid until it
// is resumed; and MHD_stop_daemon() must not run while a connection is suspended, so
// stop() resumes every waiting request first and lets no new one suspend. Because MHD
// does not watch a suspended socket, the watch thread polls those sockets itself and
// gives up the requests whose client hung up (DeferredAccess::abandon_if_gone).
//
// Why a worker serves at most 120 connections (found with strace under `wrk -c600`,
// libmicrohttpd 0.9.75, still so in 1.0.1): MHD_epoll() drains events in rounds of
// MAX_EVENTS = 128 and, when a round returns exactly 128, calls epoll_wait() again with
// the same *blocking* timeout (the earliest connection timeout, or none). A worker at its
// connection limit holds exactly its connections in its epoll set (the listen socket is
// taken out at the limit, the resume eventfd is idle), so with 512 / 4 threads = 128
// connections that all become ready at once the second epoll_wait() sleeps until some
// connection times out (60 s then): the worker serves nobody, the FINs of clients that
// give up arrive as yet another round of 128 and put it back to sleep, and their sockets
// sit in CLOSE_WAIT. More sockets wait in CLOSE_WAIT in the listen backlog: past the
// connection limit MHD stops accepting while the kernel still completes handshakes
// (backlog SOMAXCONN), and clients that give up leave them there until MHD accepts them.
// With at most 120 connections per worker (plus the listen socket and the eventfd, 122
// descriptors) a round can never return 128, so start() adds threads as the connection
// limit needs; and per_client_limit keeps one client address from filling the limit.
#include "api/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <microhttpd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstdarg>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/connection_watch.h"
#include "api/request_target.h"

namespace crm {

std::optional<std::string_view> ServerRequest::param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

std::string_view ServerRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
      return a == std::tolower(static_cast<unsigned char>(b));
    });
    if (same) return v;
  }
  return {};
}

ServerResponse ServerResponse::json(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  r.body = std::move(body);
  return r;
}

ServerResponse ServerResponse::later(std::shared_ptr<DeferredResponse> deferred) {
  ServerResponse r;
  r.deferred = std::move(deferred);
  return r;
}

bool DeferredResponse::complete(ServerResponse response) { return finish(std::move(response), {}); }

bool DeferredResponse::complete_with(std::function<ServerResponse()> produce) {
  if (!produce) return false;
  return finish({}, std::move(produce));
}

bool DeferredResponse::done() const {
  std::lock_guard lock(mu_);
  return phase_ != Phase::waiting;
}

bool DeferredResponse::finish(ServerResponse response, std::function<ServerResponse()> produce) {
  std::lock_guard lock(mu_);
  if (phase_ != Phase::waiting) return false;
  response_ = std::move(response);
  produce_ = std::move(produce);
  phase_ = Phase::ready;
  // Under mu_: the connection cannot have been resumed by anyone else, and MHD never
  // frees a suspended connection (see the top of this file).
  if (suspended_) {
    MHD_resume_connection(suspended_);
    suspended_ = nullptr;
  }
  return true;
}

// The server's side of a DeferredResponse (a friend of it).
struct DeferredAccess {
  using Phase = DeferredResponse::Phase;

  // What the handler said to answer, once the deferred response is ready.
  struct Answer {
    ServerResponse response;
    std::function<ServerResponse()> produce;
  };

  // True (and `out` filled) when the answer is ready; then nobody else will take it.
  static bool take(DeferredResponse& d, Answer& out) {
    std::lock_guard lock(d.mu_);
    if (d.phase_ != Phase::ready) return false;
    d.phase_ = Phase::taken;
    out.response = std::move(d.response_);
    out.produce = std::move(d.produce_);
    return true;
  }

  // Suspends `c` until `d` is completed, unless it already is (then false) or
  // `may_wait` refuses (the server is stopping: then `d` is dropped, and false).
  template <class MayWait>
  static bool suspend_until_done(DeferredResponse& d, MHD_Connection* c, MayWait&& may_wait) {
    std::lock_guard lock(d.mu_);
    if (d.phase_ != Phase::waiting) return false;
    if (!may_wait()) {
      d.phase_ = Phase::dropped;
      return false;
    }
    const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    d.suspended_ = c;
    d.fd_ = info ? info->connect_fd : -1;
    MHD_suspend_connection(c);
    return true;
  }

  // Gives `d` up when the client of its suspended connection has hung up: the
  // connection resumes and is closed without an answer. True when it did.
  static bool abandon_if_gone(DeferredResponse& d) {
    std::lock_guard lock(d.mu_);
    // Under mu_ and still suspended: MHD has not closed (or reused) the socket.
    if (d.phase_ != Phase::waiting || !d.suspended_ || d.fd_ < 0 || !peer_hung_up(d.fd_)) return false;
    d.response_ = ServerResponse{};
    d.response_.drop_connection = true;
    d.produce_ = {};
    d.phase_ = Phase::ready;
    MHD_resume_connection(d.suspended_);
    d.suspended_ = nullptr;
    return true;
  }
};

namespace {

// JSON string contents for our own error messages (ASCII text we wrote ourselves, but a
// handler's exception message may carry anything).
std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

ServerResponse error_response(int status, std::string_view code, std::string_view message) {
  return ServerResponse::json(status, fmt::format(R"({{"error":{{"code":"{}","message":"{}"}}}})",
                                                  code, json_escape(message)));
}

// Per-request state kept in MHD's con_cls between the calls of the access handler,
// from the request line (on_request_line) to the completion notification.
struct RequestState {
  bool started = false;                 // the access handler saw the request head
  std::optional<TargetProblem> reject;  // answered at once (request_target.h)
  std::string body;
  bool too_large = false;
  bool responded = false;
  std::shared_ptr<DeferredResponse> deferred;  // set while the request waits for it
  DeferredResponse* counted = nullptr;  // its key in Impl::waiting, until the request completes
};

// Serves a body generated piece by piece (ServerResponse::stream).
struct StreamReader {
  std::function<bool(std::string&)> next;
  std::string buf;
  size_t off = 0;
  bool done = false;

  static ssize_t read(void* cls, uint64_t /*pos*/, char* out, size_t max) {
    auto* self = static_cast<StreamReader*>(cls);
    while (self->off >= self->buf.size() && !self->done) {
      self->buf.clear();
      self->off = 0;
      try {
        if (!self->next(self->buf)) self->done = true;
      } catch (...) {
        return MHD_CONTENT_READER_END_WITH_ERROR;
      }
    }
    if (self->off >= self->buf.size()) return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = std::min(max, self->buf.size() - self->off);
    std::memcpy(out, self->buf.data() + self->off, n);
    self->off += n;
    return static_cast<ssize_t>(n);
  }
  static void free(void* cls) { delete static_cast<StreamReader*>(cls); }
};

// Serves the first `cut` bytes of a body announced with its full Content-Length, then
// fails, so that MHD closes the connection mid-body (ServerResponse::cut_after_bytes).
struct CutReader {
  std::string body;
  size_t cut = 0;

  static ssize_t read(void* cls, uint64_t pos, char* out, size_t max) {
    auto* self = static_cast<CutReader*>(cls);
    if (pos >= self->cut) return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = std::min<size_t>(max, self->cut - pos);
    std::memcpy(out, self->body.data() + pos, n);
    return static_cast<ssize_t>(n);
  }
  static void free(void* cls) { delete static_cast<CutReader*>(cls); }
};

MHD_Response* make_mhd_response(ServerResponse& r) {
  if (r.stream) {
    auto* reader = new StreamReader{std::move(r.stream), {}, 0, false};
    auto* resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, &StreamReader::read,
                                                   reader, &StreamReader::free);
    if (!resp) delete reader;
    return resp;
  }
  if (r.cut_after_bytes && *r.cut_after_bytes < r.body.size()) {
    uint64_t size = r.body.size();
    auto* reader = new CutReader{std::move(r.body), *r.cut_after_bytes};
    auto* resp =
        MHD_create_response_from_callback(size, 16 * 1024, &CutReader::read, reader, &CutReader::free);
    if (!resp) delete reader;
    return resp;
  }
  return MHD_create_response_from_buffer(r.body.size(), r.body.data(), MHD_RESPMEM_MUST_COPY);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

MHD_Result send_response(MHD_Connection* c, ServerResponse r) {
  if (r.drop_connection) return MHD_NO;  // MHD closes the connection without an answer
  MHD_Response* resp = make_mhd_response(r);
  if (!resp) return MHD_NO;
  for (const auto& [name, value] : r.headers) {
    // MHD computes these itself; a second copy would make the answer invalid.
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) continue;
    MHD_add_response_header(resp, name.c_str(), value.c_str());  // rejects CR/LF: ignored
  }
  MHD_Result ret = MHD_queue_response(c, static_cast<unsigned>(r.status), resp);
  MHD_destroy_response(resp);
  return ret;
}

MHD_Result collect_pair(void* cls, MHD_ValueKind, const char* key, size_t key_size,
                        const char* value, size_t value_size) {
  auto* out = static_cast<std::vector<std::pair<std::string, std::string>>*>(cls);
  out->emplace_back(std::string(key, key_size), value ? std::string(value, value_size) : std::string());
  return MHD_YES;
}

ConnectionWatch::Entry* watch_entry(MHD_Connection* c) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info ? static_cast<ConnectionWatch::Entry*>(info->socket_context) : nullptr;
}

// A worker serves at most this many connections (see the top of this file).
constexpr unsigned kMaxConnectionsPerWorker = 120;

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  ServerHandler handler;
  MHD_Daemon* daemon = nullptr;
  std::mutex log_mu;
  std::string last_log;
  ConnectionWatch watch;

  // The watch thread: late request heads, and waiting requests whose client hung up.
  std::thread watcher;
  std::mutex watcher_mu;
  std::condition_variable watcher_cv;
  bool watcher_stop = false;

  Impl(HttpServerOptions o, ServerHandler h)
      : options(std::move(o)), handler(std::move(h)), watch(options.header_timeout, options.idle_timeout) {}

  // Deferred requests not completed yet: suspended, or resumed and sending their answer
  // (stop() waits for those to finish). Lock order: a DeferredResponse's mutex, then wait_mu.
  mutable std::mutex wait_mu;
  std::condition_variable drained;
  std::unordered_map<DeferredResponse*, std::shared_ptr<DeferredResponse>> waiting;
  bool stopping = false;  // no request may start waiting any more

  static void log(void* cls, const char* format, va_list ap) {
    auto* self = static_cast<Impl*>(cls);
    char buf[512];
    std::vsnprintf(buf, sizeof buf, format, ap);
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    std::lock_guard lock(self->log_mu);
    self->last_log = std::move(line);
  }

  // MHD calls this for every request (before the connection's CLOSED notification
  // when the connection ends with it).
  static void completed(void* cls, MHD_Connection* c, void** con_cls, MHD_RequestTerminationCode) {
    auto* self = static_cast<Impl*>(cls);
    auto* st = static_cast<RequestState*>(*con_cls);
    if (st && st->counted) self->forget(st->counted);
    delete st;
    *con_cls = nullptr;
    self->watch.answered(watch_entry(c), std::chrono::steady_clock::now());
  }

  static void on_connection(void* cls, MHD_Connection* c, void** socket_context,
                            MHD_ConnectionNotificationCode code) {
    auto* self = static_cast<Impl*>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
      if (info) *socket_context = self->watch.opened(info->connect_fd, std::chrono::steady_clock::now());
    } else {
      self->watch.closed(static_cast<ConnectionWatch::Entry*>(*socket_context));
      *socket_context = nullptr;
    }
  }

  // The URI log callback: MHD calls it with the request target as sent, before it splits
  // the query into parameters (each stored in the connection's memory pool). A target
  // that breaks a limit is answered at once by access(); its query is hidden from MHD by
  // ending the string right after the '?': MHD documents this callback as the place to
  // process the URI before it is parsed, and 0.9.75 passes its own buffer and parses the
  // query from it right after. Without that, ~600 parameters exhaust the pool, and MHD
  // (0.9.75-0.9.77) overwrites the 431 it queued for that and then waits for headers it
  // has no room for: no answer until the connection times out.
  static void* on_request_line(void* cls, const char* uri, MHD_Connection*) {
    auto* self = static_cast<Impl*>(cls);
    auto* st = new (std::nothrow) RequestState;
    if (!st || !uri) return st;
    st->reject = check_request_target(uri, self->options.max_target_bytes, self->options.max_query_params);
    if (st->reject)
      if (char* q = std::strchr(const_cast<char*>(uri), '?')) q[1] = '\0';
    return st;
  }

  void watch_loop() {
    std::unique_lock lock(watcher_mu);
    while (!watcher_stop) {
      if (watcher_cv.wait_for(lock, options.watch_interval, [&] { return watcher_stop; })) break;
      lock.unlock();
      watch.shut_late(std::chrono::steady_clock::now());
      abandon_gone();
      lock.lock();
    }
  }

  void abandon_gone() {
    std::vector<std::shared_ptr<DeferredResponse>> snapshot;
    {
      std::lock_guard lock(wait_mu);  // not held below: lock order is DeferredResponse, then wait_mu
      snapshot.reserve(waiting.size());
      for (const auto& [ptr, d] : waiting) snapshot.push_back(d);
    }
    for (const auto& d : snapshot) DeferredAccess::abandon_if_gone(*d);
  }

  void stop_watcher() {
    {
      std::lock_guard lock(watcher_mu);
      watcher_stop = true;
    }
    watcher_cv.notify_all();
    if (watcher.joinable()) watcher.join();
  }

  void forget(DeferredResponse* d) {
    std::lock_guard lock(wait_mu);
    if (waiting.erase(d) > 0 && waiting.empty()) drained.notify_all();
  }

  static ServerResponse shutting_down() {
    return error_response(503, "shutting_down", "the server is shutting down");
  }

  static ServerResponse run_producer(const std::function<ServerResponse()>& produce) {
    try {
      return produce();
    } catch (const std::exception& e) {
      return error_response(500, "internal", fmt::format("internal error: {}", e.what()));
    } catch (...) {
      return error_response(500, "internal", "internal error");
    }
  }

  // Sends `resp`, or, when it is deferred, suspends the connection until it is ready.
  MHD_Result answer(MHD_Connection* c, RequestState* st, ServerResponse resp) {
    // A deferred answer may be ready at once, and a producer may defer again: bounded.
    for (int hop = 0; resp.deferred; ++hop) {
      if (hop == 16) return send_response(c, error_response(500, "internal", "deferred answers loop"));
      std::shared_ptr<DeferredResponse> d = std::move(resp.deferred);
      bool suspended = DeferredAccess::suspend_until_done(*d, c, [&] {
        std::lock_guard lock(wait_mu);
        if (stopping) return false;
        if (st->counted) waiting.erase(st->counted);  // a producer deferred again
        waiting.emplace(d.get(), d);
        return true;
      });
      if (suspended) {
        st->counted = d.get();
        st->deferred = std::move(d);
        return MHD_YES;
      }
      DeferredAccess::Answer a;
      if (!DeferredAccess::take(*d, a)) return send_response(c, shutting_down());  // dropped
      resp = a.produce ? run_producer(a.produce) : std::move(a.response);
    }
    return send_response(c, std::move(resp));
  }

  // The access handler's call after MHD resumed a waiting request.
  MHD_Result resumed(MHD_Connection* c, RequestState* st) {
    std::shared_ptr<DeferredResponse> d = std::move(st->deferred);  // still counted until completed
    DeferredAccess::Answer a;
    if (!DeferredAccess::take(*d, a)) return MHD_NO;  // cannot happen: resumed means ready
    return answer(c, st, a.produce ? run_producer(a.produce) : std::move(a.response));
  }

  static MHD_Result access(void* cls, MHD_Connection* c, const char* url, const char* method,
                           const char* /*version*/, const char* upload_data,
                           size_t* upload_data_size, void** con_cls) {
    auto* self = static_cast<Impl*>(cls);
    auto* st = static_cast<RequestState*>(*con_cls);
    if (!st) {  // on_request_line could not allocate it
      st = new (std::nothrow) RequestState;
      if (!st) return MHD_NO;
      *con_cls = st;
    }
    if (!st->started) {
      st->started = true;
      ConnectionWatch::handling(watch_entry(c));
      if (st->reject) {
        st->responded = true;
        return send_response(c, error_response(st->reject->status, st->reject->code, st->reject->message));
      }
      // A declared oversize body is refused before any of it is read.
      const char* cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
      if (cl) {
        uint64_t n = 0;
        auto [p, ec] = std::from_chars(cl, cl + std::strlen(cl), n);
        if (ec == std::errc::result_out_of_range || (ec == std::errc() && n > self->options.max_body_bytes)) {
          st->responded = true;
          return send_response(c, self->too_large());
        }
      }
      return MHD_YES;
    }
    if (*upload_data_size != 0) {
      // Chunked uploads have no declared size: stop keeping data once over the limit.
      if (!st->too_large && !st->responded) {
        if (st->body.size() + *upload_data_size > self->options.max_body_bytes) {
          st->too_large = true;
          std::string().swap(st->body);
        } else {
          st->body.append(upload_data, *upload_data_size);
        }
      }
      *upload_data_size = 0;
      return MHD_YES;
    }
    if (st->deferred) return self->resumed(c, st);
    if (st->responded) return MHD_YES;
    st->responded = true;
    if (st->too_large) return send_response(c, self->too_large());

    ServerResponse resp;
    try {
      ServerRequest req;
      req.method = method;
      req.path = url;
      MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, &collect_pair, &req.query);
      MHD_get_connection_values_n(c, MHD_HEADER_KIND, &collect_pair, &req.headers);
      for (auto& h : req.headers)
        for (char& ch : h.first) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      req.body = std::move(st->body);
      resp = self->handler(req);
    } catch (const std::exception& e) {
      resp = error_response(500, "internal", fmt::format("internal error: {}", e.what()));
    } catch (...) {
      resp = error_response(500, "internal", "internal error");
    }
    return self->answer(c, st, std::move(resp));
  }

  ServerResponse too_large() const {
    return error_response(413, "too_large",
                          fmt::format("request body larger than {} bytes", options.max_body_bytes));
  }
};

HttpServer::HttpServer(HttpServerOptions options, ServerHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  if (impl_->daemon) return Error::internal("http server: already started");
  const auto& o = impl_->options;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                   MHD_ALLOW_SUSPEND_RESUME;
  {
    std::lock_guard lock(impl_->wait_mu);
    impl_->stopping = false;
  }

  sockaddr_in v4{};
  sockaddr_in6 v6{};
  const sockaddr* addr = nullptr;
  if (inet_pton(AF_INET, o.host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(o.port);
    addr = reinterpret_cast<const sockaddr*>(&v4);
  } else if (inet_pton(AF_INET6, o.host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(o.port);
    addr = reinterpret_cast<const sockaddr*>(&v6);
    flags |= MHD_USE_IPv6;
  } else {
    return Error::config(fmt::format("http server: host '{}' is not an IPv4 or IPv6 literal", o.host));
  }

  auto timeout_s = static_cast<unsigned>((std::max<int64_t>(o.idle_timeout.count(), 0) + 999) / 1000);
  const unsigned limit = std::max(1u, o.connection_limit);
  const unsigned threads = std::max({1u, o.threads, (limit + kMaxConnectionsPerWorker - 1) / kMaxConnectionsPerWorker});
  impl_->daemon = MHD_start_daemon(
      flags, o.port, nullptr, nullptr, &Impl::access, impl_.get(),  //
      MHD_OPTION_EXTERNAL_LOGGER, &Impl::log, impl_.get(),  // first: later options may log
      MHD_OPTION_SOCK_ADDR, addr,                                    //
      MHD_OPTION_THREAD_POOL_SIZE, threads,                          //
      MHD_OPTION_CONNECTION_LIMIT, limit,                            //
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, o.per_client_limit,        //
      MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,                      //
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, std::max<size_t>(o.max_header_bytes, 4096),  //
      MHD_OPTION_NOTIFY_COMPLETED, &Impl::completed, impl_.get(),    //
      MHD_OPTION_NOTIFY_CONNECTION, &Impl::on_connection, impl_.get(),  //
      MHD_OPTION_URI_LOG_CALLBACK, &Impl::on_request_line, impl_.get(),  //
      MHD_OPTION_END);
  if (!impl_->daemon) {
    std::lock_guard lock(impl_->log_mu);
    return Error::config(fmt::format("http server: cannot listen on {}:{}{}{}", o.host, o.port,
                                     impl_->last_log.empty() ? "" : ": ", impl_->last_log));
  }
  impl_->watcher_stop = false;
  impl_->watcher = std::thread([im = impl_.get()] { im->watch_loop(); });
  return {};
}

void HttpServer::stop() {
  if (!impl_ || !impl_->daemon) return;
  Impl& im = *impl_;
  im.stop_watcher();
  // No request may start waiting now; those waiting get their 503 (which resumes them),
  // and have a moment to send it. After this, no connection is suspended.
  std::vector<std::shared_ptr<DeferredResponse>> to_answer;
  {
    std::lock_guard lock(im.wait_mu);
    im.stopping = true;
    for (const auto& [ptr, d] : im.waiting) to_answer.push_back(d);
  }
  for (const auto& d : to_answer) d->complete(Impl::shutting_down());
  to_answer.clear();
  {
    std::unique_lock lock(im.wait_mu);
    im.drained.wait_for(lock, im.options.stop_grace, [&] { return im.waiting.empty(); });
  }
  MHD_stop_daemon(im.daemon);
  im.daemon = nullptr;
  std::lock_guard lock(im.wait_mu);
  im.waiting.clear();
}

size_t HttpServer::waiting() const {
  std::lock_guard lock(impl_->wait_mu);
  return impl_->waiting.size();
}

uint16_t HttpServer::port() const {
  if (!impl_->daemon) return 0;
  const MHD_DaemonInfo* info = MHD_get_daemon_info(impl_->daemon, MHD_DAEMON_INFO_BIND_PORT);
  return info ? info->port : 0;
}

Result<std::pair<std::string, uint16_t>> split_listen_address(std::string_view listen) {
  std::string_view host, port;
  if (listen.starts_with('[')) {
    size_t close = listen.find("]:");
    if (close == std::string_view::npos) return Error::config("expected [v6-address]:port");
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos) return Error::config("expected host:port");
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  unsigned n = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || n > 65535)
    return Error::config(fmt::format("'{}' is not a port", port));
  return std::pair<std::string, uint16_t>(std::string(host), static_cast<uint16_t>(n));
}


}  // namespace crm
