// HintsServer: the listener CRMs send their webhooks to (`hints.listen`, separate from the
// read API so that only it need face the internet). `POST /hooks/{source}`: a hint the
// source's `hints:` block verifies is answered 202 and makes the source's next
// incremental run happen soon (Scheduler::hint: `delay`, `min_interval`, coalesced);
// anything else is 401 (unknown source: 404, body over 1 MiB: 413, another method: 405)
// and counted. The body is never stored or logged: the poll reads the truth.
// start()/stop()/apply() from the daemon's control thread; requests on server threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/http_server.h"
#include "config/config.h"
#include "core/metrics.h"
#include "sync/scheduler.h"

namespace crm {

class HintsServer {
 public:
  HintsServer(const Config& config, Scheduler& scheduler, Metrics& metrics, const Clock& clock);
  ~HintsServer();

  // Binds hints.listen. Errors: config for an address that cannot be bound.
  Status start();
  void stop();
  uint16_t port() const;
  // The sources' hints blocks and the timing after a reload (the listener stays).
  void apply(const Config& config);

  ServerResponse handle(const ServerRequest& request);

 private:
  struct Source {
    SourceHints hints;
    bool enabled = true;
  };
  ServerResponse reject(const std::string& source, int status, std::string_view code, std::string_view message,
                        const std::string& reason);

  std::string listen_;
  Scheduler& scheduler_;
  Metrics& metrics_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Source> sources_;
  HintTiming timing_;
  std::string public_url_;
  std::map<std::string, TimePoint> last_warned_;  // one warning a minute per source
  std::unique_ptr<HttpServer> http_;
};

}  // namespace crm
