#include "sync/scheduler.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/log.h"
#include "sync/next_due.h"

namespace crm {

struct Scheduler::Slot {
  SourceConfig config;
  std::unique_ptr<SourceContext> ctx;   // rebuilt on reload; swapped in when idle
  std::unique_ptr<SourceContext> pending_ctx;
  TimePoint next_due{};
  bool queued = false;
  bool running = false;
  bool removed = false;
  int failures = 0;
  std::optional<TimePoint> last_success;
  std::optional<TimePoint> last_end;
  std::string last_error;
  std::optional<NeedsAttention> attention;  // the CRM refuses the source
  bool reloaded_while_running = false;      // the run in flight used the previous config
  double last_duration_s = 0;
  std::optional<UnrecordedRun> unrecorded;  // the last run, when the index could not store its end
  std::string unrecorded_failure;  // error of a run of ours the index still shows "running"
  // Hints: the first hint not yet served by a run that started after it, and the timing
  // it came with; when the last hinted run started.
  std::optional<TimePoint> hinted_at;
  HintTiming hint_timing;
  bool hint_after_run = false;  // a hint came while a run was in flight
  std::optional<TimePoint> last_hinted_start;
  std::optional<TimePoint> serving_hint;  // the hint the run in flight serves
};

const char* to_string(HintOutcome o) {
  switch (o) {
    case HintOutcome::accepted: return "accepted";
    case HintOutcome::coalesced: return "coalesced";
    case HintOutcome::unknown: return "unknown";
  }
  return "unknown";
}

namespace {

// When a hinted run of `slot` may start, for a hint now.
TimePoint hinted_due(const std::optional<TimePoint>& last_hinted_start, const HintTiming& t, TimePoint now) {
  TimePoint due = now + t.delay;
  if (last_hinted_start) due = std::max(due, *last_hinted_start + t.min_interval);
  return due;
}

Millis stale_after_of(const SourceConfig& c) {
  return c.settings.stale_after.value_or(c.settings.interval * 3);
}

}  // namespace

Scheduler::Scheduler(SchedulerOptions options, SourceRunner& runner, Sleeper& sleeper, const Clock& clock,
                     Metrics& metrics, ContextFactory make_context)
    : options_(options), runner_(runner), sleeper_(sleeper), clock_(clock), metrics_(metrics), limiters_(clock),
      make_context_(std::move(make_context)) {
  if (!make_context_)
    make_context_ = [this](const SourceConfig& source) {
      return make_source_context(source, limiters_, sleeper_, clock_, HttpClientOptions{}.max_attempts, &metrics_);
    };
  heartbeat_ms_ = to_ms(clock_.now());
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::load_history(Slot& slot) {
  // The last successful run and the failures since, so that a restart neither forgets a
  // failing source nor reports a healthy one as stale.
  auto history = runner_.history(slot.config.name, 50);
  if (!history) {
    log_warn("source={} msg=\"cannot read run history: {}\"", slot.config.name, history.error().message);
    return;
  }
  bool first = true;
  for (const auto& run : *history) {
    if (first) {
      slot.last_end = run.finished;
      slot.last_error = run.error;
      if (run.failed && (run.error_kind == "auth" || run.error_kind == "config"))
        slot.attention = NeedsAttention{run.error, run.error_kind, run.finished.value_or(clock_.now())};
      first = false;
    }
    if (!run.failed) {
      slot.last_success = run.finished;
      break;
    }
    ++slot.failures;
  }
}

void Scheduler::apply_config(const Config& config) {
  TimePoint now = clock_.now();
  std::vector<std::shared_ptr<Slot>> added;
  {
    std::lock_guard lock(mu_);
    config_ = std::make_shared<const Config>(config);
    for (auto& [name, slot] : slots_) slot->removed = true;
    size_t index = 0, enabled = 0;
    for (const auto& s : config.sources) enabled += s.enabled ? 1 : 0;
    for (const auto& source : config.sources) {
      auto ctx = make_context_(source);
      if (!ctx) {
        log_error("source={} msg=\"{}\"", source.name, ctx.error().message);
        continue;
      }
      auto it = slots_.find(source.name);
      if (it == slots_.end()) {
        auto slot = std::make_shared<Slot>();
        slot->config = source;
        slot->ctx = std::move(*ctx);
        // Stagger the first runs over first_run_spread instead of starting all at once.
        Millis spread = std::min(options_.first_run_spread, source.settings.interval);
        slot->next_due = now + (enabled > 0 ? spread * static_cast<long>(index) / static_cast<long>(enabled) : Millis{0});
        slots_[source.name] = slot;
        added.push_back(slot);
      } else {
        auto& slot = it->second;
        slot->removed = false;
        bool retimed = slot->config.settings.interval != source.settings.interval;
        slot->config = source;
        if (slot->running) slot->pending_ctx = std::move(*ctx);
        else slot->ctx = std::move(*ctx);
        if (retimed && !slot->running) slot->next_due = std::min(slot->next_due, now + source.settings.interval);
        // A reload is how someone says "fixed": a source the CRM refused runs at once.
        if (slot->running) {
          slot->reloaded_while_running = true;
        } else if (slot->attention) {
          slot->next_due = now;
          log_info("source={} msg=\"configuration reloaded: retrying the source that needs attention now\"", source.name);
        }
      }
      if (source.enabled) ++index;
    }
    for (auto it = slots_.begin(); it != slots_.end();) {
      if (it->second->removed && !it->second->running) {
        log_info("source={} msg=\"removed from the configuration\"", it->first);
        metrics_.forget("source", it->first);
        it = slots_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& slot : added) load_history(*slot);
  cv_.notify_all();
}

void Scheduler::start() {
  unsigned n = std::max(1u, options_.workers);
  threads_.emplace_back([this] { loop(); });
  for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { worker(); });
}

void Scheduler::stop() {
  {
    // Under the lock: a worker between checking its wait's predicate and blocking would
    // otherwise miss the notification and wait for ever.
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  sleeper_.stop();
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

HintOutcome Scheduler::hint(const std::string& source, const HintTiming& timing) {
  const TimePoint now = clock_.now();
  {
    std::lock_guard lock(mu_);
    auto it = slots_.find(source);
    if (it == slots_.end() || it->second->removed || !it->second->config.enabled) return HintOutcome::unknown;
    Slot& slot = *it->second;
    if (slot.hinted_at) return HintOutcome::coalesced;
    slot.hinted_at = now;
    slot.hint_timing = timing;
    if (slot.running) {
      slot.hint_after_run = true;  // finish() times the run that follows
    } else if (slot.failures == 0) {
      slot.next_due = std::min(slot.next_due, hinted_due(slot.last_hinted_start, timing, now));
    }
  }
  cv_.notify_all();
  return HintOutcome::accepted;
}

TimePoint Scheduler::loop_heartbeat() const { return from_ms(heartbeat_ms_.load()); }

void Scheduler::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    TimePoint now = clock_.now();
    heartbeat_ms_ = to_ms(now);
    TimePoint wake = now + std::chrono::seconds(1);  // at least once a second (heartbeat)
    for (auto& [name, slot] : slots_) {
      if (slot->removed || !slot->config.enabled || slot->running || slot->queued) continue;
      if (gate_ && !gate_(name)) continue;  // looked at again within the second
      if (slot->next_due <= now) {
        slot->queued = true;
        queue_.push_back(slot);
      } else {
        wake = std::min(wake, slot->next_due);
      }
    }
    if (!queue_.empty()) cv_.notify_all();
    cv_.wait_for(lock, std::max<Millis>(wake - clock_.now(), Millis{1}));
  }
}

void Scheduler::worker() {
  while (true) {
    std::shared_ptr<Slot> slot;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      slot = queue_.front();
      queue_.pop_front();
      slot->queued = false;
      if (slot->removed || !slot->config.enabled) continue;
      slot->running = true;
      // This run reads after the hint came: it serves it.
      if (slot->hinted_at && !slot->hint_after_run) {
        slot->serving_hint = slot->hinted_at;
        slot->last_hinted_start = clock_.now();
        slot->hinted_at.reset();
      }
    }
    run_slot(slot);
  }
}

void Scheduler::run_slot(const std::shared_ptr<Slot>& slot) {
  // The config and context are only replaced while the slot is not running.
  RunRequest request;
  request.stop = &stopping_;
  {
    // A failure the index could not take last time is stored when this run starts,
    // with its own error instead of "interrupted".
    std::lock_guard lock(mu_);
    request.unrecorded_failure = slot->unrecorded_failure;
  }
  RunSummary s = runner_.run(*slot->ctx, request);
  {
    std::lock_guard lock(mu_);
    if (s.status != RunStatus::skipped) slot->last_error = s.status == RunStatus::ok ? "" : s.error;
    slot->last_duration_s = s.seconds;
    if (s.end_recorded)
      slot->unrecorded.reset();
    else
      slot->unrecorded = UnrecordedRun{s.run_id, to_string(s.mode), s.started, clock_.now(), s.error};
    // A run with a row got past the start, which stored any earlier unrecorded failure;
    // one without kept it pending (it may not have reached that point).
    if (s.run_id != 0) slot->unrecorded_failure = s.end_recorded ? "" : s.error;
  }
  finish(slot, s, clock_.now());

  std::shared_ptr<const Config> config_now;
  {
    std::lock_guard lock(mu_);
    config_now = config_;
  }
  if (config_now)
    if (auto linked = runner_.link(*config_now, &link_beat_ms_); !linked)
      log_error("msg=\"{}\"", linked.error().message);
  runner_.checkpoint_if_due();
}

void Scheduler::finish(const std::shared_ptr<Slot>& slot, const RunSummary& run, TimePoint ended) {
  {
    std::lock_guard lock(mu_);
    slot->running = false;
    slot->last_end = ended;
    const bool failed = run.status != RunStatus::ok && run.status != RunStatus::skipped;
    // A skipped run is neither a failure nor a success: the count stays as it was.
    if (run.status == RunStatus::ok) slot->failures = 0;
    if (failed) ++slot->failures;
    std::optional<Error> error = failed ? run.failure.value_or(Error::internal(run.error)) : std::optional<Error>();
    std::uniform_real_distribution<double> u(0.0, 1.0);
    NextRun next = next_due(slot->config.settings, slot->failures, error, ended, u(rng_));
    slot->next_due = next.at;
    // Refused under the config that a reload has replaced meanwhile: try the new one now.
    if (next.reason == NextReason::needs_attention && slot->reloaded_while_running) slot->next_due = ended;
    slot->reloaded_while_running = false;
    if (next.reason == NextReason::needs_attention) {
      if (!slot->attention) slot->attention = NeedsAttention{run.error, to_string(error->kind), ended};
      slot->attention->reason = run.error;
      slot->attention->kind = to_string(error->kind);
    } else {
      slot->attention.reset();
    }
    if (run.status == RunStatus::ok) {
      slot->last_success = ended;
      metrics_.gauge_set("crm_index_last_success_timestamp_seconds", {{"source", slot->config.name}},
                         static_cast<double>(to_ms(ended)) / 1000.0);
    } else if (failed) {
      log_warn("source={} msg=\"next attempt in {}s ({}) after {} consecutive failure(s)\"", slot->config.name,
               std::chrono::duration_cast<std::chrono::seconds>(slot->next_due - ended).count(), to_string(next.reason),
               slot->failures);
    }
    metrics_.gauge_set("crm_index_consecutive_failures", {{"source", slot->config.name}}, slot->failures);
    metrics_.gauge_set("crm_index_source_needs_attention", {{"source", slot->config.name}}, slot->attention ? 1 : 0);
    if (slot->serving_hint) {
      if (run.status == RunStatus::ok)
        metrics_.histogram_observe("crm_index_hint_to_index_seconds", {{"source", slot->config.name}},
                                   static_cast<double>(to_ms(ended) - to_ms(*slot->serving_hint)) / 1000.0);
      slot->serving_hint.reset();
    }
    // A hint that came during the run: the change may be newer than what it read.
    if (slot->hint_after_run) {
      slot->hint_after_run = false;
      if (slot->failures == 0)
        slot->next_due = std::min(slot->next_due, hinted_due(slot->last_hinted_start, slot->hint_timing, ended));
    }
    if (slot->pending_ctx) slot->ctx = std::move(slot->pending_ctx);
    if (slot->removed) {
      metrics_.forget("source", slot->config.name);
      std::string name = slot->config.name;
      slots_.erase(name);
    }
  }
  cv_.notify_all();
}

SourceRuntime Scheduler::runtime_of(const Slot& slot, TimePoint now) const {
  SourceRuntime r;
  r.name = slot.config.name;
  r.type = slot.config.type;
  r.enabled = slot.config.enabled && !slot.removed;
  r.interval = slot.config.settings.interval;
  r.stale_after = stale_after_of(slot.config);
  if (r.enabled && !slot.running) r.next_run_at = slot.next_due;
  r.running = slot.running;
  r.consecutive_failures = slot.failures;
  r.last_success = slot.last_success;
  r.last_run_end = slot.last_end;
  r.last_error = slot.last_error;
  r.last_duration_s = slot.last_duration_s;
  r.unrecorded_run = slot.unrecorded;
  r.needs_attention = slot.attention;
  // A source that never succeeded is stale once it has had stale_after to do so.
  r.stale = r.enabled && (slot.last_success ? now - *slot.last_success > r.stale_after
                                            : slot.failures > 0);
  return r;
}

std::vector<SourceRuntime> Scheduler::snapshot() const {
  TimePoint now = clock_.now();
  std::lock_guard lock(mu_);
  std::vector<SourceRuntime> out;
  out.reserve(slots_.size());
  for (const auto& [name, slot] : slots_) out.push_back(runtime_of(*slot, now));
  return out;
}

}  // namespace crm
