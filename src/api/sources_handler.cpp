// GET /v1/sources: each source as the scheduler runs it and as the index holds it
// (design.md "API contract"). The configured sources come first, in the scheduler's
// order; sources the index still holds but the config no longer names follow with
// "configured": false, "enabled": false and null runtime fields, so that their records
// stay explained.
#include <fmt/format.h>

#include <map>

#include "api/api_errors.h"
#include "api/handlers.h"
#include "api/query_params.h"
#include "core/json_writer.h"

namespace crm {
namespace {

void time_or_null(JsonWriter& w, std::string_view key, const std::optional<TimePoint>& t) {
  w.key(key);
  if (t) w.value(format_iso8601(*t)); else w.null();
}

void write_run(JsonWriter& w, const RunRow& r) {
  w.begin_object();
  w.key("id");
  if (r.id != 0) w.value(r.id); else w.null();  // 0: the run failed before it had a row
  w.field("mode", r.mode);
  w.field("started_at", format_iso8601(r.started));
  time_or_null(w, "finished_at", r.finished);
  w.field("status", r.status);
  w.key("error").string_or_null(r.error);
  w.field("fetched", static_cast<int64_t>(r.counts.fetched));
  w.field("created", static_cast<int64_t>(r.counts.created));
  w.field("updated", static_cast<int64_t>(r.counts.updated));
  w.field("unchanged", static_cast<int64_t>(r.counts.unchanged));
  w.field("touched", static_cast<int64_t>(r.counts.touched));
  w.field("deleted", static_cast<int64_t>(r.counts.deleted));
  w.field("skipped", static_cast<int64_t>(r.counts.skipped));
  w.key("duration_s");
  if (r.finished) w.raw(fmt::format("{:.3f}", std::chrono::duration<double>(*r.finished - r.started).count()));
  else w.null();
  w.end_object();
}

void write_last_run(JsonWriter& w, const std::optional<RunRow>& run) {
  w.key("last_run");
  if (run) write_run(w, *run); else w.null();
}

// The last run as the scheduler saw it when the index could not store its end (disk
// full, read-only file): failed, with its error, and the counts the index has of it.
std::optional<RunRow> run_as_seen(const UnrecordedRun& seen, const std::optional<RunRow>& stored) {
  RunRow r;
  if (stored && stored->id == seen.id) r = *stored;
  r.id = seen.id;
  r.mode = seen.mode;
  r.started = seen.started;
  r.finished = seen.finished;
  r.status = "failed";
  r.error = seen.error;
  return r;
}

// `live`: the source answers live reads (GET /v1/records/{source}/{id}/live).
void write_source(JsonWriter& w, const SourceRuntime* rt, const IndexedSource* ix, bool live) {
  static const IndexedSource kNothingYet;
  const IndexedSource& idx = ix ? *ix : kNothingYet;
  w.begin_object();
  w.field("name", rt ? rt->name : idx.name);
  w.field("type", rt ? rt->type : idx.type);
  w.field("configured", rt != nullptr);
  w.field("enabled", rt ? rt->enabled : false);
  w.field("live", live);
  w.key("interval_s");
  if (rt) w.raw(fmt::format("{}", static_cast<double>(rt->interval.count()) / 1000.0)); else w.null();
  w.field("records", static_cast<int64_t>(idx.live));
  w.field("deleted", static_cast<int64_t>(idx.deleted));
  time_or_null(w, "watermark", idx.watermark);
  time_or_null(w, "next_run_at", rt ? rt->next_run_at : std::nullopt);
  w.field("running", rt ? rt->running : false);
  w.field("consecutive_failures", static_cast<int64_t>(rt ? rt->consecutive_failures : 0));
  w.field("stale", rt ? rt->stale : false);
  w.key("needs_attention");
  if (rt && rt->needs_attention) {
    w.begin_object();
    w.field("reason", rt->needs_attention->reason);
    w.field("kind", rt->needs_attention->kind);
    w.field("since", format_iso8601(rt->needs_attention->since));
    w.end_object();
  } else {
    w.null();
  }
  time_or_null(w, "last_success_at", rt && rt->last_success ? rt->last_success : idx.last_success);
  write_last_run(w, rt && rt->unrecorded_run ? run_as_seen(*rt->unrecorded_run, idx.last_run) : idx.last_run);
  w.end_object();
}

}  // namespace

ServerResponse handle_sources(ApiDeps& deps, const ServerRequest& req) {
  auto params = QueryParams::parse(req.query, {});
  if (!params) return error_response(params.error());
  auto indexed = read_index(deps, [](ApiQueries& index) { return index.sources(); });
  if (!indexed) return error_response(indexed.error());
  std::map<std::string, const IndexedSource*, std::less<>> by_name;
  for (const auto& s : *indexed) by_name.emplace(s.name, &s);

  std::string body;
  JsonWriter w(body);
  w.begin_object().key("items").begin_array();
  auto runtime = deps.scheduler.snapshot();
  for (const auto& rt : runtime) {
    auto it = by_name.find(rt.name);
    write_source(w, &rt, it == by_name.end() ? nullptr : it->second, deps.live && deps.live->enabled(rt.name));
    if (it != by_name.end()) by_name.erase(it);
  }
  for (const auto& s : *indexed)
    if (by_name.count(s.name)) write_source(w, nullptr, &s, false);
  w.end_array().end_object();
  return ServerResponse::json(200, std::move(body));
}

// GET /v1/sources/{name}/runs?limit=20: the source's last runs, newest first (the page's
// chart of durations and counts).
ServerResponse handle_source_runs(ApiDeps& deps, const ServerRequest& req, const RouteMatch& route) {
  auto params = QueryParams::parse(req.query, {"limit"});
  if (!params) return error_response(params.error());
  int limit = 20;
  auto bounded = [](std::string_view name, std::string_view v) { return parse_int_in(name, v, 1, 1000); };
  if (auto e = params->read("limit", limit, bounded)) return error_response(*e);
  auto runs = read_index(deps, [&](ApiQueries& index) { return index.runs(route.source, limit); });
  if (!runs) return error_response(runs.error());
  bool configured = false;
  for (const auto& rt : deps.scheduler.snapshot()) configured = configured || rt.name == route.source;
  if (!*runs && !configured)
    return error_response(ApiError::not_found(fmt::format("no source '{}' (GET /v1/sources lists them)",
                                                          route.source.substr(0, 64))));
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("items").begin_array();
  if (*runs)
    for (const RunRow& r : **runs) write_run(w, r);
  w.end_array().end_object();
  return ServerResponse::json(200, std::move(body));
}

}  // namespace crm
