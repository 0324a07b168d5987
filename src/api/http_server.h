// HttpServer: the one small wrapper around libmicrohttpd, used by the read-only API and
// by the fake CRM in tests/fake. libmicrohttpd runs an epoll loop with a thread pool, so
// keep-alive clients and slow requests do not starve others (design.md, "The read-only
// HTTP API").
//
// The handler is called on pool threads, concurrently: it must be thread-safe. A handler
// that answers later (a long-poll) returns a DeferredResponse: the connection is then
// suspended and holds no thread until the answer is given, from any thread.
// Owned by whoever serves; start() once, stop() (or the destructor) once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"

struct MHD_Connection;

namespace crm {

class DeferredResponse;

struct ServerRequest {
  std::string method;
  std::string path;  // decoded, without the query string
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  // First value for a name; nullopt when absent.
  std::optional<std::string_view> param(std::string_view name) const;
  std::string_view header(std::string_view name) const;  // "" when absent
};

struct ServerResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Fault injection for the fake CRM: close the connection without any answer, or send
  // the headers (with the full Content-Length) and only the first N bytes of the body.
  bool drop_connection = false;
  std::optional<size_t> cut_after_bytes;

  // Optional streamed body (chunked transfer), used instead of `body` when set: called
  // repeatedly on a server thread, it appends the next piece to `out` (which arrives
  // empty) and returns false once there is nothing more. For answers too large to build
  // as one string (the fake CRM's truth dump). Must not throw; if it does, the connection
  // is closed mid-body.
  std::function<bool(std::string& out)> stream;

  // Set when the answer comes later: every other field is then ignored, and the
  // connection waits (suspended, holding no thread) until `deferred` is completed.
  std::shared_ptr<DeferredResponse> deferred;

  static ServerResponse json(int status, std::string body);
  static ServerResponse later(std::shared_ptr<DeferredResponse> deferred);
};

// The answer to a request that a handler gives later (long-polls). The handler creates it
// (std::make_shared<DeferredResponse>()), keeps a reference for whoever will answer, and
// returns ServerResponse::later(it). Completing it, from any thread, resumes the
// connection and sends the answer. Thread-safe; shared by the server and the answerer.
//
// Only the first completion counts: later ones, and completions after the server
// stopped, return false and do nothing. HttpServer::stop() answers the requests still
// waiting with 503 before it closes their connections. libmicrohttpd does not watch a
// suspended socket, so the server looks at it itself (HttpServerOptions::watch_interval):
// when the client has hung up, the request is given up (done() turns true, the
// connection is closed) and a later completion returns false. Bound every wait anyway.
class DeferredResponse {
 public:
  bool complete(ServerResponse response);
  // Like complete(), but the answer is built on a server thread when the connection
  // resumes: for answers that need per-thread resources (the API's database readers).
  // `produce` may itself return a deferred response: the request then waits again.
  bool complete_with(std::function<ServerResponse()> produce);
  // True once completed (or given up at stop()).
  bool done() const;

 private:
  friend struct DeferredAccess;  // http_server.cpp: the server's side of the handshake
  enum class Phase { waiting, ready, taken, dropped };
  bool finish(ServerResponse response, std::function<ServerResponse()> produce);

  mutable std::mutex mu_;
  Phase phase_ = Phase::waiting;
  ServerResponse response_;
  std::function<ServerResponse()> produce_;
  ::MHD_Connection* suspended_ = nullptr;  // the connection waiting for this answer
  int fd_ = -1;                            // its socket, while suspended_ is set
};

using ServerHandler = std::function<ServerResponse(const ServerRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // IPv4 or IPv6 literal
  uint16_t port = 0;               // 0: the kernel picks one; see port()
  // Worker threads, at least: each serves its share of connection_limit, and a share
  // must stay below 121 (http_server.cpp, "Why a worker serves at most 120
  // connections"), so a larger limit gets more threads.
  unsigned threads = 4;
  unsigned connection_limit = 512;
  unsigned per_client_limit = 0;  // connections from one client address; 0: no limit
  size_t max_body_bytes = 1 << 20;  // larger requests get 413
  // Memory per connection for the request line and headers (and write buffers): longer
  // headers get 431 (or, past what an error answer needs, a closed connection).
  size_t max_header_bytes = 32 * 1024;
  // The request target (path and query): longer is 414; more parameters are 400
  // (request_target.h). 0: only max_header_bytes bounds the length.
  size_t max_target_bytes = 0;
  size_t max_query_params = 64;
  // A new connection's first request head must have arrived within header_timeout; a
  // kept-alive connection's next one within idle_timeout of the previous answer; and a
  // connection on which no byte moves for idle_timeout is closed (connection_watch.h).
  Millis header_timeout = std::chrono::seconds(10);
  Millis idle_timeout = std::chrono::seconds(60);
  // How often late request heads and waiting requests whose client hung up are looked for.
  Millis watch_interval = std::chrono::milliseconds(250);
  // How long stop() lets the requests still waiting send their 503 before it closes them.
  Millis stop_grace = std::chrono::seconds(2);
};

// "127.0.0.1:8787" or "[::1]:8787" as host and port (HttpServerOptions wants a literal:
// "localhost:0" is refused). config errors.
Result<std::pair<std::string, uint16_t>> split_listen_address(std::string_view listen);

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, ServerHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Status start();
  // Answers the deferred requests still waiting with 503 (shutting_down), then closes
  // every connection. Idempotent.
  void stop();
  uint16_t port() const;  // the bound port, after start()
  // Deferred requests waiting for their answer right now (for tests and metrics).
  size_t waiting() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crm
