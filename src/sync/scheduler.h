// Scheduler: decides when each enabled source runs: on its own interval (± jitter),
// staggering the first runs; after a failed run it waits as next_due() decides from the
// run's Error (backoff, the CRM's Retry-After, or auth_retry for a source that needs
// attention, which a config reload retries at once). Runs happen on a pool of worker
// threads, so that one slow or failing source never delays another, through the
// SourceRunner (the run, its metrics, linking, checkpoints): the scheduler only schedules.
//
// Owned by the daemon. apply_config(), start(), stop() from one control thread;
// snapshot() and the progress getters from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/metrics.h"
#include "http/rate_limiter.h"
#include "http/sleeper.h"
#include "sync/source_context.h"
#include "sync/source_runner.h"
#include "sync/source_runtime.h"

namespace crm {

struct SchedulerOptions {
  unsigned workers = 4;
  Millis first_run_spread = std::chrono::seconds(10);  // first runs spread over this much
};

// Builds what running a source needs from its config (make_source_context; tests give
// their own connectors).
using ContextFactory = std::function<Result<std::unique_ptr<SourceContext>>(const SourceConfig& source)>;

// What became of a hint (platform.md "Push hints in").
enum class HintOutcome {
  accepted,   // a run is now due sooner (or will follow the one in flight)
  coalesced,  // a hinted run is already pending: this hint joins it
  unknown,    // no such source, or it is disabled
};
const char* to_string(HintOutcome o);

struct HintTiming {
  Millis delay{0};         // after the hint, so that a burst makes one run
  Millis min_interval{0};  // between two hinted runs of one source
};

class Scheduler final : public SchedulerView {
 public:
  // Without `make_context`, contexts come from make_source_context with the scheduler's
  // rate limiters, `sleeper` and `clock`. stop() stops `sleeper`.
  Scheduler(SchedulerOptions options, SourceRunner& runner, Sleeper& sleeper, const Clock& clock, Metrics& metrics,
            ContextFactory make_context = {});
  ~Scheduler() override;

  // Adds, removes and retimes sources. A running source finishes its run first.
  void apply_config(const Config& config);
  void start();
  // No new runs; running ones commit the page in hand and end as interrupted.
  void stop();

  // A verified hint that the source changed: its next run happens `delay` from now (not
  // sooner than min_interval after its last hinted run), instead of at the end of its
  // interval. A run in flight may have read before the change: one more follows it. A
  // source backing off after failures keeps its backoff. From any thread.
  HintOutcome hint(const std::string& source, const HintTiming& timing);

  // Runs only the sources `may_run` says yes to (a cluster poller: those whose lease it
  // holds); the others stay due and run once it does. Called under the scheduler's lock,
  // from its loop: it must be quick and must not call back into the scheduler. Before start().
  void set_gate(std::function<bool(const std::string& source)> may_run) { gate_ = std::move(may_run); }

  // The rate-limit buckets the sources' runs draw on (per source or quota_group): live
  // reads take from the same ones, so that they spend the poll's quota, not more.
  RateLimiters& rate_limiters() { return limiters_; }

  std::vector<SourceRuntime> snapshot() const override;
  bool config_reload_ok() const override { return reload_ok_.load(); }
  void set_config_reload_ok(bool ok) { reload_ok_.store(ok); }

  // For the watchdog: when the scheduling loop last went round, and since when the
  // writer has been busy in one call (nullopt when idle).
  TimePoint loop_heartbeat() const;
  // When a relink holding the writer last made progress (epoch when none has run).
  TimePoint link_heartbeat() const { return from_ms(link_beat_ms_.load()); }

 private:
  struct Slot;
  void loop();
  void worker();
  void run_slot(const std::shared_ptr<Slot>& slot);
  void finish(const std::shared_ptr<Slot>& slot, const RunSummary& run, TimePoint ended);
  SourceRuntime runtime_of(const Slot& slot, TimePoint now) const;
  void load_history(Slot& slot);

  SchedulerOptions options_;
  SourceRunner& runner_;
  Sleeper& sleeper_;
  const Clock& clock_;
  Metrics& metrics_;
  RateLimiters limiters_;
  ContextFactory make_context_;
  std::function<bool(const std::string&)> gate_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;
  std::deque<std::shared_ptr<Slot>> queue_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::shared_ptr<const Config> config_;  // what the linker runs under; guarded by mu_
  std::atomic<int64_t> link_beat_ms_{0};
  std::atomic<bool> reload_ok_{true};
  std::atomic<int64_t> heartbeat_ms_{0};
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace crm
