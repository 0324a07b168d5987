#include "outputs/output_delivery.h"

#include <fmt/format.h>

#include <random>

#include "core/log.h"
#include "store/api_queries.h"
#include "store/output_store.h"

namespace crm {
namespace {

using namespace std::chrono_literals;

constexpr int kBatch = 100;          // events read from the feed at a time (at least)
constexpr Millis kIdleWait = 1s;     // an idle output looks again (a replay, the lag) this often
constexpr Millis kReopenWait = 2s;   // after the index could not be opened or read
constexpr Millis kCommitWithin = 200ms;  // a position is written at least this often while delivering

Millis backoff(const OutputSpec& spec, int attempt) {
  // first_backoff · 2^(attempt-1), capped, with ±25 % jitter so that endpoints that fail
  // together do not retry together.
  double ms = static_cast<double>(spec.first_backoff.count());
  for (int i = 1; i < attempt && ms < static_cast<double>(spec.max_backoff.count()); ++i) ms *= 2;
  ms = std::min(ms, static_cast<double>(spec.max_backoff.count()));
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.75, 1.25);
  return Millis{static_cast<int64_t>(ms * jitter(rng))};
}

}  // namespace

OutputDelivery::OutputDelivery(OutputSpec spec, std::unique_ptr<OutputSink> sink, std::string database,
                               ChangeNotifier& changes, Metrics& metrics, const Clock& clock)
    : spec_(std::move(spec)), sink_(std::move(sink)), database_(std::move(database)), changes_(changes),
      metrics_(metrics), clock_(clock) {
  status_.name = spec_.name;
  status_.type = spec_.type;
}

OutputDelivery::~OutputDelivery() { stop(); }

void OutputDelivery::start() { thread_ = std::thread([this] { run(); }); }

void OutputDelivery::stop() {
  {
    std::lock_guard lock(wait_mu_);
    stop_ = true;
  }
  wait_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

OutputStatus OutputDelivery::status() const {
  std::lock_guard lock(status_mu_);
  return status_;
}

bool OutputDelivery::wants(const ChangeRow& c) const {
  return (spec_.sources.empty() || spec_.sources.count(c.record.source)) &&
         (spec_.ops.empty() || spec_.ops.count(c.op)) && sink_->wants(c);
}

void OutputDelivery::wait_for(Millis d) {
  std::unique_lock lock(wait_mu_);
  wait_cv_.wait_for(lock, d, [&] { return stop_.load(); });
}

void OutputDelivery::publish_lag() {
  int64_t position;
  {
    std::lock_guard lock(status_mu_);
    position = status_.position;
  }
  metrics_.gauge_set("crm_index_output_lag_events", {{"output", spec_.name}},
                     static_cast<double>(std::max<int64_t>(0, changes_.last_seq() - position)));
}

void OutputDelivery::set_error(OutputStore& store, const std::string& error) {
  {
    std::lock_guard lock(status_mu_);
    if (status_.last_error == error) return;
    status_.last_error = error;
  }
  if (!error.empty()) log_warn("output={} msg=\"delivery failed: {}\"", spec_.name, error);
  if (auto st = store.set_error(spec_.name, error, clock_.now()); !st)
    log_warn("output={} msg=\"{}\"", spec_.name, st.error().message);
}

bool OutputDelivery::deliver(OutputStore& store, std::span<const OutgoingEvent> events, int prior_attempts) {
  const Metrics::Labels labels = {{"output", spec_.name}};
  for (int attempt = 1; !stop_; ++attempt) {
    auto st = sink_->deliver(events, stop_);
    if (st) {
      set_error(store, "");
      metrics_.counter_add("crm_index_output_delivered_total", labels, static_cast<double>(events.size()));
      std::lock_guard lock(status_mu_);
      status_.delivered += static_cast<int64_t>(events.size());
      return true;
    }
    if (stop_) return false;
    metrics_.counter_add("crm_index_output_failures_total", labels);
    const std::string where = events.size() == 1 ? fmt::format("seq {}", events.front().seq)
                                                 : fmt::format("seq {}-{}", events.front().seq, events.back().seq);
    set_error(store, fmt::format("{}: {}", where, st.error().message));
    if (spec_.max_attempts > 0 && attempt >= spec_.max_attempts) {
      bool recorded = true;
      for (const OutgoingEvent& e : events) {
        DeadLetter letter{e.seq, prior_attempts + attempt, st.error().message};
        if (auto d = store.dead_letter(spec_.name, letter, clock_.now()); !d) {
          log_error("output={} msg=\"{}\"", spec_.name, d.error().message);
          recorded = false;
          break;
        }
        log_warn("output={} seq={} msg=\"dead-lettered after {} attempts\"", spec_.name, e.seq, letter.attempts);
        std::lock_guard lock(status_mu_);
        ++status_.dead_letters;
        metrics_.gauge_set("crm_index_output_dead_letters", labels, static_cast<double>(status_.dead_letters));
      }
      if (recorded) return true;
      wait_for(kReopenWait);  // not recorded: keep trying rather than lose the events
      continue;
    }
    publish_lag();
    wait_for(backoff(spec_, attempt));
  }
  return false;
}

void OutputDelivery::run() {
  while (!stop_) {
    auto store = OutputStore::open(database_);
    auto queries = store ? ApiQueries::open(database_) : Result<std::unique_ptr<ApiQueries>>(store.error());
    auto index_id = store ? (*store)->index_id() : Result<std::string>(store.error());
    auto row = store ? (*store)->ensure(spec_.name, spec_.type, clock_.now()) : Result<OutputRow>(store.error());
    const Error* failed = !store ? &store.error() : !queries ? &queries.error() : !index_id ? &index_id.error()
                          : !row ? &row.error() : nullptr;
    if (failed) {
      log_warn("output={} msg=\"cannot read the index: {}\"", spec_.name, failed->message);
      wait_for(kReopenWait);
      continue;
    }
    {
      std::lock_guard lock(status_mu_);
      status_.position = row->position;
      status_.last_error = row->last_error;
      status_.dead_letters = row->dead_letters;
      status_.delivered = row->delivered;
    }
    metrics_.gauge_set("crm_index_output_dead_letters", {{"output", spec_.name}},
                       static_cast<double>(row->dead_letters));
    OutputStore& out = **store;
    ApiQueries& feed = **queries;
    int64_t position = row->position;
    bool broken = false;
    while (!stop_ && !broken) {
      publish_lag();
      // Dead letters a replay asked for go first, each once more through the retries.
      auto replays = out.replays(spec_.name, kBatch);
      if (!replays) { broken = true; break; }
      for (const DeadLetter& letter : *replays) {
        auto page = feed.changes(letter.seq - 1, 1);
        if (!page) { broken = true; break; }
        if (page->items.empty() || page->items.front().seq != letter.seq) {
          (void)out.forget_dead_letter(spec_.name, letter.seq);  // the event is gone from the feed
          continue;
        }
        // A replay asks for a fresh round of attempts; a failure dead-letters it again.
        const OutgoingEvent event = sink_->make_event(page->items.front(), *index_id);
        if (!deliver(out, std::span(&event, 1), letter.attempts)) break;
        if (!out.forget_dead_letter(spec_.name, letter.seq)) { broken = true; break; }
        std::lock_guard lock(status_mu_);
        status_.dead_letters = std::max<int64_t>(0, status_.dead_letters - 1);
        metrics_.gauge_set("crm_index_output_dead_letters", {{"output", spec_.name}},
                           static_cast<double>(status_.dead_letters));
      }
      if (broken || stop_) break;

      const int64_t seen_head = changes_.last_seq();
      auto page = feed.changes(position, std::max<int>(kBatch, static_cast<int>(sink_->max_batch())));
      if (!page) { broken = true; break; }
      if (page->items.empty()) {
        changes_.wait_beyond(std::max(seen_head, page->last_seq), kIdleWait);
        // A replay from another process may have moved the position back.
        auto again = out.position(spec_.name);
        if (!again) { broken = true; break; }
        position = *again;
        std::lock_guard lock(status_mu_);
        status_.position = position;
        continue;
      }
      int64_t committed = position, pending = 0;
      auto last_commit = std::chrono::steady_clock::now();
      auto commit = [&]() -> bool {
        auto moved = out.advance(spec_.name, committed, position, pending, clock_.now());
        if (!moved) { broken = true; return false; }
        if (!*moved) return false;  // a replay moved it: read it again
        committed = position;
        pending = 0;
        last_commit = std::chrono::steady_clock::now();
        std::lock_guard lock(status_mu_);
        status_.position = position;
        return true;
      };
      // The events the output wants go in batches of up to max_batch(); the position
      // moves past a batch (and the events filtered out around it) once it was taken.
      const size_t max_batch = std::max<size_t>(1, sink_->max_batch());
      std::vector<OutgoingEvent> batch;
      int64_t batch_end = position;
      bool moved_elsewhere = false, stopped = false;
      auto hand_over = [&]() -> bool {
        if (!batch.empty()) {
          if (!deliver(out, batch, 0)) { stopped = true; return false; }
          pending += static_cast<int64_t>(batch.size());
          batch.clear();
        }
        position = batch_end;
        if (pending >= spec_.commit_every || std::chrono::steady_clock::now() - last_commit >= kCommitWithin)
          if (!commit()) { moved_elsewhere = true; return false; }
        return true;
      };
      for (const ChangeRow& c : page->items) {
        if (wants(c)) batch.push_back(sink_->make_event(c, *index_id));
        batch_end = c.seq;
        if (batch.size() >= max_batch && !hand_over()) break;
      }
      if (!stopped && !moved_elsewhere) hand_over();
      if (!moved_elsewhere && !broken && position != committed && !commit()) moved_elsewhere = true;
      if (moved_elsewhere && !broken) {
        auto again = out.position(spec_.name);
        if (!again) { broken = true; break; }
        position = *again;
      }
    }
    if (broken && !stop_) {
      log_warn("output={} msg=\"lost the index connection; reopening\"", spec_.name);
      wait_for(kReopenWait);
    }
  }
}

}  // namespace crm
