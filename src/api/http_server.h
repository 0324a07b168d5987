// HttpServer: the one small wrapper around libmicrohttpd, used by the read-only API and
// by the fake CRM in tests/fake. libmicrohttpd runs an epoll loop with a thread pool, so
// keep-alive clients and slow requests do not starve others (design.md, "The read-only
// HTTP API").
//
// The handler is called on pool threads, concurrently: it must be thread-safe.
// Owned by whoever serves; start() once, stop() (or the destructor) once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace crm {

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

  static ServerResponse json(int status, std::string body);
};

using ServerHandler = std::function<ServerResponse(const ServerRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // IPv4 or IPv6 literal
  uint16_t port = 0;               // 0: the kernel picks one; see port()
  unsigned threads = 4;
  unsigned connection_limit = 512;
  size_t max_body_bytes = 1 << 20;  // larger requests get 413
  Millis connection_timeout = std::chrono::seconds(60);
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, ServerHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Status start();
  void stop();
  uint16_t port() const;  // the bound port, after start()

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crm
