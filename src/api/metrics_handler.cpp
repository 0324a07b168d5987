// GET /metrics: the Prometheus text format. The per-source gauges that describe the
// index and the scheduler are set at scrape time, from the same sources as /v1/sources:
//   crm_index_records{source}                   live records in the index (0 before the first sync)
//   crm_index_consecutive_failures{source}      from the scheduler
//   crm_index_source_needs_attention{source}    1 while the CRM refuses the source, from the scheduler
//   crm_index_last_success_timestamp_seconds    end of the last ok run; 0 when there was none
//   crm_index_staleness_seconds{source}         now - that end; +Inf when there was none, so
//                                               that "staleness > X" alerts fire for a source
//                                               that never succeeded
//   crm_index_source_interval_seconds{source}   the configured interval
//   crm_index_database_size_bytes               the index file and its WAL
//   crm_index_disk_free_bytes, _disk_size_bytes  of the file system the index is on
// Every per-source series is there from the first scrape, at zero for a source that has
// not run yet (Metrics::ensure). Sources no longer configured lose all their series
// (Metrics::forget). The process_* series (core/process_metrics.h) follow.
#include <sys/statvfs.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "api/api_errors.h"
#include "api/handlers.h"
#include "api/query_params.h"
#include "core/process_metrics.h"

namespace crm {
namespace {

void set_source_gauges(ApiDeps& deps) {
  auto runtime = deps.scheduler.snapshot();
  // Index counts when the index can be read; without it, the records gauge is left out.
  std::map<std::string, const IndexedSource*, std::less<>> indexed;
  std::vector<IndexedSource> rows;
  bool index_read = false;
  if (auto reader = deps.readers.acquire()) {
    if (auto all = (*reader)->sources()) {
      rows = std::move(*all);
      index_read = true;
    } else {
      reader->discard();
    }
  }
  for (const auto& s : rows) indexed.emplace(s.name, &s);

  auto now = deps.clock.now();
  std::set<std::string> names;
  for (const auto& rt : runtime) {
    names.insert(rt.name);
    Metrics::Labels labels{{"source", rt.name}};
    auto it = indexed.find(rt.name);
    const IndexedSource* ix = it == indexed.end() ? nullptr : it->second;
    if (index_read) deps.metrics.gauge_set("crm_index_records", labels, ix ? static_cast<double>(ix->live) : 0.0);
    deps.metrics.gauge_set("crm_index_consecutive_failures", labels, rt.consecutive_failures);
    deps.metrics.gauge_set("crm_index_source_interval_seconds", labels,
                           static_cast<double>(rt.interval.count()) / 1000.0);
    for (const char* status : {"ok", "failed", "skipped"})
      deps.metrics.ensure("crm_index_runs_total", {{"source", rt.name}, {"status", status}});
    for (const char* family :
         {"crm_index_records_fetched_total", "crm_index_records_created_total", "crm_index_records_updated_total",
          "crm_index_records_deleted_total", "crm_index_records_skipped_total", "crm_index_records_truncated_total",
          "crm_index_http_retries_total", "crm_index_http_throttled_total", "crm_index_last_run_duration_seconds",
          "crm_index_source_up", "crm_index_run_duration_seconds"})
      deps.metrics.ensure(family, labels);
    deps.metrics.gauge_set("crm_index_source_needs_attention", labels, rt.needs_attention ? 1 : 0);
    std::optional<TimePoint> success = rt.last_success;
    if (!success && ix) success = ix->last_success;
    double ts = success ? static_cast<double>(to_ms(*success)) / 1000.0 : 0.0;
    double staleness = success ? std::max(0.0, static_cast<double>(to_ms(now) - to_ms(*success)) / 1000.0)
                               : std::numeric_limits<double>::infinity();
    deps.metrics.gauge_set("crm_index_last_success_timestamp_seconds", labels, ts);
    deps.metrics.gauge_set("crm_index_staleness_seconds", labels, staleness);
  }
  std::lock_guard lock(deps.gauged_mu);
  for (const auto& old : deps.gauged)
    if (!names.count(old)) deps.metrics.forget("source", old);
  deps.gauged = std::move(names);
}

// The index's file system: SQLite cannot write once it is full (monitoring/alerts.yml).
void set_disk_gauges(ApiDeps& deps) {
  const std::filesystem::path db(deps.readers.path());
  std::error_code ec;
  double bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    auto size = std::filesystem::file_size(db.string() + suffix, ec);
    if (!ec) bytes += static_cast<double>(size);
  }
  deps.metrics.gauge_set("crm_index_database_size_bytes", {}, bytes);
  const std::filesystem::path dir = db.has_parent_path() ? db.parent_path() : std::filesystem::path(".");
  struct statvfs fs {};
  if (statvfs(dir.c_str(), &fs) != 0) return;
  deps.metrics.gauge_set("crm_index_disk_free_bytes", {}, static_cast<double>(fs.f_bavail) * fs.f_frsize);
  deps.metrics.gauge_set("crm_index_disk_size_bytes", {}, static_cast<double>(fs.f_blocks) * fs.f_frsize);
}

}  // namespace

ServerResponse handle_metrics(ApiDeps& deps, const ServerRequest& req) {
  auto params = QueryParams::parse(req.query, {});
  if (!params) return error_response(params.error());
  set_source_gauges(deps);
  set_disk_gauges(deps);
  ServerResponse r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.body = deps.metrics.render() + process_metrics_text();
  return r;
}

}  // namespace crm
