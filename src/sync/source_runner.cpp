#include "sync/source_runner.h"

#include <fmt/format.h>

#include <optional>

#include "core/log.h"
#include "sync/field_transforms.h"
#include "sync/record_hash.h"
#include "sync/record_limits.h"

namespace crm {
namespace {

// The writer mutex when there is one (the daemon), nothing otherwise (a one-off sync).
std::optional<std::unique_lock<std::timed_mutex>> hold(std::timed_mutex* mutex) {
  if (mutex == nullptr) return std::nullopt;
  return std::unique_lock(*mutex);
}

}  // namespace

SourceRunner::SourceRunner(IndexWriter& writer, std::timed_mutex* writer_mutex, const Clock& clock,
                           Metrics* metrics, Millis checkpoint_every)
    : writer_(writer), writer_mutex_(writer_mutex), clock_(clock), metrics_(metrics),
      checkpoint_every_(checkpoint_every) {}

RunSummary SourceRunner::run(const SourceContext& ctx, const RunRequest& request) {
  SyncRun run(ctx.config, std::string(ctx.type->crm_type), *ctx.connector, writer_, clock_, writer_mutex_);
  run.set_unrecorded_failure(request.unrecorded_failure);
  RunSummary s = run.run(request.full, request.progress, request.stop);
  publish(ctx.config.name, s);
  return s;
}

void SourceRunner::publish(const std::string& name, const RunSummary& s) {
  if (metrics_ == nullptr) return;
  Metrics& m = *metrics_;
  const Metrics::Labels source = {{"source", name}};
  m.counter_add("crm_index_runs_total", {{"source", name}, {"status", to_string(s.status)}});
  const std::pair<const char*, long> counts[] = {
      {"crm_index_records_fetched_total", s.counts.fetched}, {"crm_index_records_created_total", s.counts.created},
      {"crm_index_records_updated_total", s.counts.updated}, {"crm_index_records_deleted_total", s.counts.deleted},
      {"crm_index_records_skipped_total", s.counts.skipped}, {"crm_index_records_truncated_total", s.counts.truncated}};
  for (const auto& [family, n] : counts) m.counter_add(family, source, static_cast<double>(n));
  m.gauge_set("crm_index_last_run_duration_seconds", source, s.seconds);
  m.histogram_observe("crm_index_run_duration_seconds", source, s.seconds);
  if (s.status != RunStatus::skipped) m.gauge_set("crm_index_source_up", source, s.status == RunStatus::ok ? 1 : 0);
}

Result<LinkStats> SourceRunner::link(const Config& config, std::atomic<int64_t>* heartbeat) {
  auto lock = hold(writer_mutex_);
  Linker linker(writer_.links(), config);
  linker.set_heartbeat(heartbeat);
  return linker.catch_up(clock_.now());
}

Result<int64_t> SourceRunner::mark(const MarkRequest& request, const Config& config) {
  auto lock = hold(writer_mutex_);
  Linker linker(writer_.links(), config);
  return linker.add_mark(request, clock_.now());
}

Status SourceRunner::unmark(int64_t mark_id, const std::string& by_user, const Config& config) {
  auto lock = hold(writer_mutex_);
  Linker linker(writer_.links(), config);
  return linker.remove_mark(mark_id, by_user, clock_.now());
}

Result<std::pair<RecordRef, RecordRef>> SourceRunner::mark_records(int64_t mark_id, const Config& config) {
  auto lock = hold(writer_mutex_);
  Linker linker(writer_.links(), config);
  return linker.mark_records(mark_id);
}

Result<int64_t> SourceRunner::mark_on(const RecordRef& a, const RecordRef& b, const Config& config) {
  auto lock = hold(writer_mutex_);
  Linker linker(writer_.links(), config);
  return linker.mark_on(a, b);
}

Result<RepairOutcome> SourceRunner::repair(const SourceConfig& source, std::string_view crm_type,
                                           const std::string& external_id, std::optional<Record> record,
                                           const Config& config) {
  RecordRepair r;
  r.source = source.name;
  r.crm_type = crm_type;
  r.external_id = external_id;
  r.now = clock_.now();
  if (record && record->deleted) r.merged_into = record->merged_into;
  if (record && !record->deleted) {
    apply_field_transforms(*record, source.field_transforms);
    if (RecordLimitResult limits = apply_record_limits(*record); limits.rejected)
      return Error::data(fmt::format("the CRM's record cannot be indexed: {}", limits.reason));
    if (record->external_id != external_id)
      return Error::data(fmt::format("the CRM answered with another record (id '{}')", record->external_id.substr(0, 80)));
    r.record = &*record;
    r.hash = hash_record(*record);
  }
  Result<RepairOutcome> outcome = [&] {
    auto lock = hold(writer_mutex_);
    return writer_.repair(r);
  }();
  if (outcome && (*outcome == RepairOutcome::updated || *outcome == RepairOutcome::deleted)) {
    if (auto linked = link(config); !linked)
      log_warn("source={} msg=\"linking after a live read's repair: {}\"", source.name, linked.error().message);
  }
  return outcome;
}

Result<std::vector<RunHistoryRow>> SourceRunner::history(const std::string& source, int limit) {
  auto lock = hold(writer_mutex_);
  return writer_.run_history(source, limit);
}

void SourceRunner::checkpoint_if_due() {
  {
    std::lock_guard lock(checkpoint_mu_);
    const TimePoint now = clock_.now();
    if (now - last_checkpoint_ < checkpoint_every_) return;
    last_checkpoint_ = now;
  }
  auto lock = hold(writer_mutex_);
  if (auto done = writer_.checkpoint(); !done) log_warn("msg=\"{}\"", done.error().message);
}

}  // namespace crm
