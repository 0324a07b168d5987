// `crm-index status [--json]`: the configured sources with their last run and a verdict
// each (ok, failing, stale, needs attention, never run, disabled). For scripts and
// monitoring: exit 0 when every enabled source is ok, 1 when one is not, 2 on a config
// error or when the index does not exist yet.
#include <fmt/format.h>

#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "core/json_writer.h"
#include "daemon/config_loading.h"
#include "store/index_reader.h"

namespace crm {
namespace {

struct Verdict {
  std::string state;  // ok | failing | stale | needs_attention | never_run | disabled
  bool fine = true;
};

// Stale: no successful run for stale_after (three intervals unless set), as the daemon says.
Verdict verdict_of(const SourceConfig& src, const SourceStatus* s, TimePoint now) {
  if (!src.enabled) return {"disabled", true};
  if (s == nullptr || !s->last_run) return {"never_run", false};
  if (s->needs_attention) return {"needs_attention", false};
  // A run cut short by a stop of the daemon or the sync says nothing about the CRM.
  if (s->last_run->status == "failed" && !s->last_run_interrupted) return {"failing", false};
  const Millis stale_after = src.settings.stale_after.value_or(src.settings.interval * 3);
  if (!s->last_success || now - *s->last_success > stale_after) return {"stale", false};
  return {"ok", true};
}

std::string last_run_text(const RunRow& r) { return fmt::format("{} ({})", r.status, r.mode); }

void append_json(std::string& out, const SourceConfig& src, const SourceStatus* s, const Verdict& v) {
  JsonWriter w(out);
  w.begin_object();
  w.field("name", src.name);
  w.field("type", src.type);
  w.field("enabled", src.enabled);
  w.field("state", v.state);
  w.field("records", static_cast<int64_t>(s ? s->live : 0));
  w.field("deleted", static_cast<int64_t>(s ? s->deleted : 0));
  w.key("last_success_at");
  if (s && s->last_success) w.value(format_iso8601(*s->last_success)); else w.null();
  w.key("needs_attention").string_or_null(s && s->needs_attention ? *s->needs_attention : "");
  w.key("last_run");
  if (s && s->last_run) {
    const RunRow& r = *s->last_run;
    w.begin_object();
    w.field("id", r.id);
    w.field("mode", r.mode);
    w.field("status", r.status);
    w.field("started_at", format_iso8601(r.started));
    w.key("finished_at");
    if (r.finished) w.value(format_iso8601(*r.finished)); else w.null();
    w.field("fetched", static_cast<int64_t>(r.counts.fetched));
    w.field("created", static_cast<int64_t>(r.counts.created));
    w.field("updated", static_cast<int64_t>(r.counts.updated));
    w.field("unchanged", static_cast<int64_t>(r.counts.unchanged));
    w.field("deleted", static_cast<int64_t>(r.counts.deleted));
    w.key("error").string_or_null(r.error);
    w.end_object();
  } else {
    w.null();
  }
  w.end_object();
}

}  // namespace

int run_status(const std::string& config_path, bool json) {
  auto config = load_config_or_report(config_path);
  if (!config) return 2;

  std::map<std::string, SourceStatus> stored;
  auto reader = IndexReader::open(config->database);
  if (!reader) {
    bool missing = reader.error().kind == ErrorKind::not_found ||
                   reader.error().message.find("unable to open") != std::string::npos;
    std::fprintf(stderr, "crm-index: %s\n",
                 missing ? fmt::format("no index at {} yet: run `crm-index sync` or start the daemon",
                                       config->database).c_str()
                         : reader.error().message.c_str());
    return missing ? 2 : 1;
  }
  auto all = (*reader)->sources();
  if (!all) {
    std::fprintf(stderr, "crm-index: %s\n", all.error().message.c_str());
    return 1;
  }
  for (auto& s : *all) stored[s.name] = std::move(s);

  const TimePoint now = SystemClock{}.now();
  bool all_fine = true;
  std::string out;
  if (json) out = "{\"sources\":[";
  else
    out = fmt::format("{:<20} {:<10} {:<8} {:<16} {:<16} {:<21} {:>9} {:>8} {:>9} {:>8} {:>8} {:>9} {:>8}  {}\n",
                      "SOURCE", "TYPE", "ENABLED", "STATE", "LAST RUN", "STARTED", "RECORDS", "DELETED", "FETCHED",
                      "CREATED", "UPDATED", "UNCHANGED", "REMOVED", "ERROR");
  bool first = true;
  for (const auto& src : config->sources) {
    auto it = stored.find(src.name);
    const SourceStatus* s = it == stored.end() ? nullptr : &it->second;
    const Verdict v = verdict_of(src, s, now);
    all_fine = all_fine && v.fine;
    if (json) {
      if (!first) out += ',';
      first = false;
      append_json(out, src, s, v);
      continue;
    }
    if (s == nullptr || !s->last_run) {
      out += fmt::format("{:<20} {:<10} {:<8} {:<16} {:<16}\n", src.name, src.type, src.enabled ? "yes" : "no",
                         v.state, "never");
      continue;
    }
    const RunRow& r = *s->last_run;
    out += fmt::format("{:<20} {:<10} {:<8} {:<16} {:<16} {:<21} {:>9} {:>8} {:>9} {:>8} {:>8} {:>9} {:>8}  {}\n",
                       src.name, src.type, src.enabled ? "yes" : "no", v.state, last_run_text(r),
                       format_iso8601_seconds(r.started), s->live, s->deleted, r.counts.fetched, r.counts.created,
                       r.counts.updated, r.counts.unchanged, r.counts.deleted,
                       s->needs_attention ? "needs attention: " + *s->needs_attention : r.error);
  }
  if (json) out += fmt::format("],\"ok\":{}}}\n", all_fine ? "true" : "false");
  std::fputs(out.c_str(), stdout);
  return all_fine ? 0 : 1;
}

}  // namespace crm
