#include "cli/check_command.h"

#include <chrono>
#include <filesystem>
#include <memory>

#include "cli/connect_probe.h"
#include "cli/signal_watcher.h"
#include "config/config.h"
#include "connectors/connector_config.h"
#include "config/file_permissions.h"
#include "store/index_reader.h"
#include "sync/source_context.h"

namespace crm {
namespace {

// The index, read-only, when it exists: check never creates or writes it. nullptr when
// there is none yet, or (after a warning) when it cannot be read: the probes then ask
// for a day's changes.
std::unique_ptr<IndexReader> open_index_if_any(const std::string& path, std::ostream& err) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return nullptr;
  auto reader = IndexReader::open(path);
  if (reader) return std::move(*reader);
  if (reader.error().kind != ErrorKind::not_found)
    err << "warning: " << reader.error().message << "; probing incremental pages since a day ago\n";
  return nullptr;
}

ProbeStart probe_start(IndexReader* index, const SourceConfig& source, TimePoint now, std::ostream& err) {
  std::optional<SourceRow> row;
  if (index) {
    auto stored = index->source_row(source.name);
    if (stored)
      row = std::move(*stored);
    else
      err << "warning: " << source.name << ": " << stored.error().message << '\n';
  }
  ProbeStart start;
  start.since = probe_since(row ? row->watermark : std::nullopt, source.settings.overlap, now);
  if (row) start.state = row->connector_state;
  return start;
}

// Every enabled source in turn: exit 1 when a probe (or building a source) failed.
int check_connections(const Config& config, std::ostream& out, std::ostream& err) {
  RealSleeper sleeper;
  SignalWatcher signals(sleeper);  // Ctrl-C ends a backoff or a request in flight
  SystemClock clock;
  RateLimiters limiters(clock);
  auto index = open_index_if_any(config.database, err);
  // One "now" in whole seconds: every source without a watermark prints the same since.
  const TimePoint now = std::chrono::floor<std::chrono::seconds>(clock.now());
  bool ok = true;
  for (const auto& source : config.sources) {
    if (signals.stop_flag().load()) {
      out << source.name << ": not probed (interrupted)\n";
      ok = false;
      continue;
    }
    if (!source.enabled) {
      out << source.name << ": skipped (enabled: false)\n";
      continue;
    }
    auto ctx = make_source_context(source, limiters, sleeper, clock);
    if (!ctx) {
      out << source.name << ": failed: " << ctx.error().message << '\n';
      ok = false;
      continue;
    }
    const ProbeStart start = probe_start(index.get(), source, now, err);
    ok = probe_connector(source.name, *(*ctx)->connector, start, (*ctx)->http->redactor(), out) && ok;
  }
  return ok ? 0 : 1;
}

}  // namespace

int run_check(const std::string& config_path, std::ostream& out, std::ostream& err, bool connect) {
  const LoadedConfig loaded = load_config(config_path);
  if (!loaded.config) {
    for (const auto& e : loaded.errors) err << e.format() << '\n';
    return 2;
  }
  const Config& config = *loaded.config;
  for (const auto& warning : permission_warnings(config)) err << "warning: " << warning << '\n';
  out << "config OK: " << config_path << ": " << config.sources.size() << " source(s)\n";
  if (config.sources.empty()) out << "no sources\n";
  for (const auto& source : config.sources) out << summarize(source) << '\n';
  if (!connect) return 0;
  out.flush();
  return check_connections(config, out, err);
}

}  // namespace crm
