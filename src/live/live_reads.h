// LiveReads: one record read from its own CRM now (platform.md "Live reads"), for
// GET /v1/records/{source}/{external_id}/live.
//
// Per source with a `live:` block it keeps up to kMaxInFlight connector contexts of its
// own (one attempt per request, live.timeout), drawing on the rate-limit bucket the
// source's poller uses. One request per record reaches the CRM at a time: callers asking
// while it is out share its answer. Answers are kept for live.cache. At most
// kMaxInFlight requests per source are out; beyond that a caller is told `busy`. When the
// fetched record maps to something other than the index row, SourceRunner::repair writes
// it through the one writer (an update or a tombstone, with its change event).
//
// Requests run on the class's own worker threads, so that an API thread never waits on
// a CRM. Thread-safe; apply() from any thread; stop() once, before destruction.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/metrics.h"
#include "core/record.h"
#include "core/time.h"
#include "sync/source_context.h"
#include "sync/source_runner.h"

namespace crm {

enum class LiveStatus {
  ok,
  not_enabled,   // no such source, or it has no live block
  busy,          // kMaxInFlight requests of the source are out already
  rate_limited,  // the CRM answered 429
  unavailable,   // the CRM's 5xx, a timeout, no connection
  crm_error,     // the CRM refused (credentials, permissions) or answered something unreadable
  stopping,      // the daemon is shutting down
};

struct LiveResult {
  LiveStatus status = LiveStatus::ok;
  std::string message;                  // why, for a failure (no secret: connectors' errors are redacted)
  std::optional<double> retry_after_s;  // busy, rate_limited
  bool gone = false;                    // ok: the CRM says there is no such record
  std::string crm;                      // ok and not gone: the live.fields as a JSON object
  TimePoint fetched_at{};
  bool repaired = false;                // this answer's fetch changed the index row
};

using LiveCallback = std::function<void(const LiveResult&)>;
// Builds a context for live reads of a source (its config carries live.timeout as timeout).
using LiveContextFactory = std::function<Result<std::unique_ptr<SourceContext>>(const SourceConfig& source)>;

class LiveReads {
 public:
  static constexpr int kMaxInFlight = 4;
  static constexpr size_t kMaxCached = 10000;  // answers kept per source

  LiveReads(SourceRunner& runner, LiveContextFactory make_context, Metrics& metrics, const Clock& clock,
            int workers = 8);
  ~LiveReads();
  LiveReads(const LiveReads&) = delete;
  LiveReads& operator=(const LiveReads&) = delete;

  // Enabled sources with a live block. Each starts afresh (contexts and cached answers
  // dropped); requests in flight finish on what they started with.
  void apply(const Config& config);
  bool enabled(const std::string& source) const;

  // Calls `done` exactly once: at once (a cached answer, a refusal) or later from a worker.
  void read(const std::string& source, const std::string& external_id, RecordKind kind, LiveCallback done);

  // Answers queued and later requests with `stopping`; waits for the workers.
  void stop();

 private:
  struct Source;
  struct Job;
  void work();
  LiveResult fetch(Source& source, const Job& job);
  void finish(const std::shared_ptr<Source>& source, const std::string& external_id, const LiveResult& result);
  void count(const std::string& source, const char* result);

  SourceRunner& runner_;
  LiveContextFactory make_context_;
  Metrics& metrics_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const Config> config_;  // what repairs link under
  std::map<std::string, std::shared_ptr<Source>> sources_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// The default factory: make_source_context with live.timeout, one attempt per request and
// the poller's rate-limit buckets (`limiters`, which must outlive the factory).
LiveContextFactory live_context_factory(RateLimiters& limiters, Sleeper& sleeper, const Clock& clock,
                                        Metrics* metrics = nullptr);

}  // namespace crm
