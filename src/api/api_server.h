// ApiServer: the read-only HTTP API of design.md ("The read-only HTTP API", "API
// contract") on HttpServer (libmicrohttpd). Every request reads through a read-only
// SQLite connection (query_only) borrowed for its duration, so reads never block on a
// running sync; long-polls of the change feed hold no thread while they wait. See
// src/api/README.md for the routes' rules.
// Owned by the daemon; start() once, stop() once. Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "config/config.h"
#include "core/result.h"
#include "core/time.h"
#include "sync/source_runtime.h"
#include "store/change_notifier.h"

namespace crm {

class Outputs;
class LiveReads;
class MarkDesk;

// What a reload changes without a restart (platform.md "People act"): who may make and
// take back marks, and which source's member names a customer.
struct ApiPolicy {
  std::vector<ApiWriteToken> write_tokens;
  std::vector<std::string> name_priority;  // linking.survivorship.name; empty: most_recent
};

struct ApiOptions {
  std::string listen = "127.0.0.1:8787";  // host:port, [v6]:port; port 0 picks one
  std::string token;                      // "" = no auth; else "Authorization: Bearer <token>"
  unsigned threads = 4;                   // at least (HttpServerOptions::threads)
  ApiLimits limits;                       // the api: keys (docs/reliability.md)
};

class ApiServer {
 public:
  ApiServer(ApiOptions options, std::string db_path, const SchedulerView& scheduler,
            ChangeNotifier& changes, Metrics& metrics, const Clock& clock, const Outputs* outputs = nullptr,
            LiveReads* live = nullptr, MarkDesk* marks = nullptr);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  Status start();
  void stop();
  uint16_t port() const;
  // /readyz answers 200 only once this is true (migrations ran, the scheduler runs).
  void set_ready(bool ready);
  // Takes effect for the requests that arrive after it. Thread-safe.
  void set_policy(ApiPolicy policy);
  // Requests waiting for their answer right now (long-polls of /v1/changes).
  size_t waiting_requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crm
