// `crm-index status`: a table of the configured sources with their last run.
#include <fmt/format.h>

#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "daemon/config_loading.h"
#include "store/index_reader.h"

namespace crm {

int run_status(const std::string& config_path) {
  auto config = load_config_or_report(config_path);
  if (!config) return 2;

  std::map<std::string, SourceStatus> stored;
  auto reader = IndexReader::open(config->database);
  if (reader) {
    auto all = (*reader)->sources();
    if (!all) {
      std::fprintf(stderr, "crm-index: %s\n", all.error().message.c_str());
      return 1;
    }
    for (auto& s : *all) stored[s.name] = std::move(s);
  } else if (reader.error().kind != ErrorKind::not_found &&
             reader.error().message.find("unable to open") == std::string::npos) {
    std::fprintf(stderr, "crm-index: %s\n", reader.error().message.c_str());
    return 1;
  }

  std::string out = fmt::format("{:<20} {:<10} {:<8} {:<12} {:<21} {:>9} {:>8} {:>9} {:>8} {:>8} {:>9} {:>8}  {}\n",
                                "SOURCE", "TYPE", "ENABLED", "LAST RUN", "STARTED", "RECORDS", "DELETED",
                                "FETCHED", "CREATED", "UPDATED", "UNCHANGED", "REMOVED", "ERROR");
  for (const auto& src : config->sources) {
    auto it = stored.find(src.name);
    if (it == stored.end() || !it->second.last_run) {
      out += fmt::format("{:<20} {:<10} {:<8} {:<12}\n", src.name, src.type, src.enabled ? "yes" : "no", "never");
      continue;
    }
    const SourceStatus& s = it->second;
    const RunRow& r = *s.last_run;
    out += fmt::format("{:<20} {:<10} {:<8} {:<12} {:<21} {:>9} {:>8} {:>9} {:>8} {:>8} {:>9} {:>8}  {}\n",
                       src.name, src.type, src.enabled ? "yes" : "no", fmt::format("{} {}", r.status, r.mode == "full" ? "F" : "I"),
                       format_iso8601_seconds(r.started), s.live, s.deleted, r.counts.fetched,
                       r.counts.created, r.counts.updated, r.counts.unchanged, r.counts.deleted,
                       s.needs_attention ? "needs attention: " + *s.needs_attention : r.error);
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace crm
