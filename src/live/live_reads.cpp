#include "live/live_reads.h"

#include <fmt/format.h>

#include <cmath>

#include "core/log.h"

namespace crm {

struct LiveReads::Job {
  std::shared_ptr<Source> source;
  std::string external_id;
  RecordKind kind = RecordKind::person;
};

struct LiveReads::Source {
  SourceConfig config;  // with settings.timeout = live.timeout
  std::string crm_type;
  std::vector<std::unique_ptr<SourceContext>> idle;  // contexts not in use (at most kMaxInFlight)
  int in_flight = 0;
  std::map<std::string, std::vector<LiveCallback>> flights;  // external id → who waits for it
  struct Cached {
    LiveResult result;
    TimePoint expires{};
  };
  std::map<std::string, Cached> cache;
};

namespace {

LiveResult failure(LiveStatus status, std::string message, std::optional<double> retry_after = std::nullopt) {
  LiveResult r;
  r.status = status;
  r.message = std::move(message);
  r.retry_after_s = retry_after;
  return r;
}

LiveResult from_error(const Error& e) {
  if (e.kind == ErrorKind::interrupted) return failure(LiveStatus::stopping, e.message);
  if (e.http_status == 429) return failure(LiveStatus::rate_limited, e.message, e.retry_after_s.value_or(1));
  if (e.http_status >= 500 || (e.http_status == 0 && e.kind == ErrorKind::transient))
    return failure(LiveStatus::unavailable, e.message);
  return failure(LiveStatus::crm_error, e.message);
}

const char* result_label(LiveStatus s) {
  switch (s) {
    case LiveStatus::ok: return "fetched";
    case LiveStatus::busy: return "busy";
    case LiveStatus::rate_limited: return "rate_limited";
    default: return "failed";
  }
}

}  // namespace

LiveReads::LiveReads(SourceRunner& runner, LiveContextFactory make_context, Metrics& metrics, const Clock& clock,
                     int workers)
    : runner_(runner), make_context_(std::move(make_context)), metrics_(metrics), clock_(clock) {
  for (int i = 0; i < std::max(1, workers); ++i) threads_.emplace_back([this] { work(); });
}

LiveReads::~LiveReads() { stop(); }

void LiveReads::apply(const Config& config) {
  auto shared = std::make_shared<const Config>(config);
  std::lock_guard lock(mu_);
  config_ = shared;
  std::map<std::string, std::shared_ptr<Source>> next;
  for (const auto& s : config.sources) {
    // A disabled source's CRM is not to be asked, by the poller or by anyone.
    if (!s.live.enabled || !s.enabled) continue;
    // Every source starts afresh, as the scheduler's contexts do: its credentials may have
    // been rotated without its block changing. Requests in flight finish on the old one.
    auto source = std::make_shared<Source>();
    source->config = s;
    source->config.settings.timeout = s.live.timeout;
    next[s.name] = std::move(source);
  }
  sources_ = std::move(next);
}

bool LiveReads::enabled(const std::string& source) const {
  std::lock_guard lock(mu_);
  return sources_.contains(source);
}

void LiveReads::count(const std::string& source, const char* result) {
  metrics_.counter_add("crm_index_live_reads_total", {{"source", source}, {"result", result}});
}

void LiveReads::read(const std::string& source_name, const std::string& external_id, RecordKind kind,
                     LiveCallback done) {
  std::unique_lock lock(mu_);
  if (stopping_) {
    lock.unlock();
    return done(failure(LiveStatus::stopping, "crm-index is stopping"));
  }
  auto it = sources_.find(source_name);
  if (it == sources_.end()) {
    lock.unlock();
    return done(failure(LiveStatus::not_enabled, fmt::format("source '{}' has no live block", source_name)));
  }
  std::shared_ptr<Source> source = it->second;
  if (auto c = source->cache.find(external_id); c != source->cache.end()) {
    if (clock_.now() < c->second.expires) {
      LiveResult cached = c->second.result;
      cached.repaired = false;  // this caller's read changed nothing
      lock.unlock();
      count(source_name, "cached");
      return done(cached);
    }
    source->cache.erase(c);
  }
  if (auto f = source->flights.find(external_id); f != source->flights.end()) {
    f->second.push_back(std::move(done));
    lock.unlock();
    count(source_name, "shared");
    return;
  }
  if (source->in_flight >= kMaxInFlight) {
    lock.unlock();
    count(source_name, "busy");
    return done(failure(LiveStatus::busy,
                        fmt::format("{} live reads of source '{}' are in flight already", kMaxInFlight, source_name),
                        1.0));
  }
  ++source->in_flight;
  source->flights[external_id].push_back(std::move(done));
  queue_.push_back(Job{std::move(source), external_id, kind});
  cv_.notify_one();
}

void LiveReads::work() {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    LiveResult result = fetch(*job.source, job);
    finish(job.source, job.external_id, result);
  }
}

LiveResult LiveReads::fetch(Source& source, const Job& job) {
  std::unique_ptr<SourceContext> ctx;
  std::shared_ptr<const Config> config;
  {
    std::lock_guard lock(mu_);
    if (!source.idle.empty()) {
      ctx = std::move(source.idle.back());
      source.idle.pop_back();
    }
    config = config_;
  }
  if (!ctx) {
    auto made = make_context_(source.config);
    if (!made) return failure(LiveStatus::crm_error, made.error().message);
    ctx = std::move(*made);
  }
  if (!ctx->connector->has_get_by_id())
    return failure(LiveStatus::crm_error, fmt::format("type {} cannot read one record", source.config.type));
  LiveRequest request{job.external_id, job.kind, &source.config.live.fields};
  const auto started = std::chrono::steady_clock::now();
  auto live = ctx->connector->get_by_id(request);
  metrics_.histogram_observe("crm_index_live_read_seconds", {{"source", source.config.name}},
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  const std::string crm_type(ctx->type->crm_type);
  {
    std::lock_guard lock(mu_);
    source.idle.push_back(std::move(ctx));
  }
  if (!live) return from_error(live.error());

  LiveResult result;
  result.fetched_at = clock_.now();
  result.gone = !live->record || live->record->deleted;
  if (!result.gone) result.crm = std::move(live->crm);
  auto repaired = runner_.repair(source.config, crm_type, job.external_id, std::move(live->record), *config);
  if (!repaired) return failure(LiveStatus::crm_error, repaired.error().message);
  result.repaired = *repaired == RepairOutcome::updated || *repaired == RepairOutcome::deleted;
  if (result.repaired)
    metrics_.counter_add("crm_index_live_repairs_total",
                         {{"source", source.config.name}, {"outcome", to_string(*repaired)}});
  return result;
}

void LiveReads::finish(const std::shared_ptr<Source>& source, const std::string& external_id,
                       const LiveResult& result) {
  std::vector<LiveCallback> waiters;
  {
    std::lock_guard lock(mu_);
    --source->in_flight;
    auto f = source->flights.find(external_id);
    if (f != source->flights.end()) {
      waiters = std::move(f->second);
      source->flights.erase(f);
    }
    const Millis keep = source->config.live.cache;
    if (result.status == LiveStatus::ok && keep.count() > 0) {
      const TimePoint now = clock_.now();
      if (source->cache.size() >= kMaxCached)
        std::erase_if(source->cache, [now](const auto& entry) { return entry.second.expires <= now; });
      if (source->cache.size() >= kMaxCached) source->cache.clear();
      source->cache[external_id] = Source::Cached{result, now + keep};
    }
  }
  count(source->config.name, result_label(result.status));
  if (result.status != LiveStatus::ok && result.status != LiveStatus::stopping)
    log_warn("source={} msg=\"live read of one record failed: {}\"", source->config.name, result.message);
  for (auto& done : waiters) done(result);
}

void LiveReads::stop() {
  std::deque<Job> left;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    left.swap(queue_);
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  for (const auto& job : left) finish(job.source, job.external_id, failure(LiveStatus::stopping, "crm-index is stopping"));
}

LiveContextFactory live_context_factory(RateLimiters& limiters, Sleeper& sleeper, const Clock& clock,
                                        Metrics* metrics) {
  return [&limiters, &sleeper, &clock, metrics](const SourceConfig& source) {
    return make_source_context(source, limiters, sleeper, clock, 1, metrics);
  };
}

}  // namespace crm
