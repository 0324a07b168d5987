// GET /metrics: the Prometheus text format. The per-source gauges that describe the
// index and the scheduler are set at scrape time, from the same sources as /v1/sources:
//   crm_index_records{source}                   live records in the index (0 before the first sync)
//   crm_index_consecutive_failures{source}      from the scheduler
//   crm_index_source_needs_attention{source}    1 while the CRM refuses the source, from the scheduler
//   crm_index_last_success_timestamp_seconds    end of the last ok run; 0 when there was none
//   crm_index_staleness_seconds{source}         now - that end; +Inf when there was none, so
//                                               that "staleness > X" alerts fire for a source
//                                               that never succeeded
// Sources no longer configured lose all their series (Metrics::forget).
#include <cmath>
#include <limits>
#include <map>

#include "api/api_errors.h"
#include "api/handlers.h"
#include "api/query_params.h"

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

}  // namespace

ServerResponse handle_metrics(ApiDeps& deps, const ServerRequest& req) {
  auto params = QueryParams::parse(req.query, {});
  if (!params) return error_response(params.error());
  set_source_gauges(deps);
  ServerResponse r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.body = deps.metrics.render();
  return r;
}

}  // namespace crm
