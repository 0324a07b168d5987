// `crm-index sync`: one pass for each selected source, then exit.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "daemon/config_loading.h"
#include "cli/signal_watcher.h"
#include "core/log.h"
#include "daemon/instance_lock.h"
#include "store/index_writer.h"
#include "sync/source_context.h"
#include "sync/source_runner.h"

namespace crm {
namespace {

// The progress line on a terminal (core/log.h keeps log lines above it), redrawn at
// most five times a second.
class ProgressLine {
 public:
  explicit ProgressLine(std::string source) : source_(std::move(source)) {}
  ~ProgressLine() { set_progress_line(""); }
  void update(const RunCounts& c, double elapsed) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double rate = elapsed > 0 ? static_cast<double>(c.fetched) / elapsed : 0;
    set_progress_line(fmt::format("{}: page {}, {} fetched ({:.0f}/s), {} created, {} updated, {} unchanged",
                                  source_, c.pages, c.fetched, rate, c.created, c.updated, c.unchanged));
  }

 private:
  std::string source_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

int run_sync(const SyncArgs& args) {
  auto config = load_config_or_report(args.config);
  if (!config) return 2;

  std::vector<const SourceConfig*> selected;
  for (const auto& name : args.sources) {
    const SourceConfig* s = config->find_source(name);
    if (!s) {
      std::string known;
      for (const auto& c : config->sources) known += (known.empty() ? "" : ", ") + c.name;
      std::fprintf(stderr, "%s: no source named '%s' (sources: %s)\n", args.config.c_str(), name.c_str(), known.c_str());
      return 2;
    }
    selected.push_back(s);
  }
  if (args.sources.empty())
    for (const auto& s : config->sources)
      if (s.enabled) selected.push_back(&s);
  if (selected.empty()) {
    std::fprintf(stderr, "%s: no enabled source to sync\n", args.config.c_str());
    return 2;
  }

  // One writer per index: a running daemon (or another sync) holds the same lock.
  auto lock = InstanceLock::acquire(config->database);
  if (!lock) {
    std::fprintf(stderr, "crm-index: %s\n", lock.error().message.c_str());
    return lock.error().kind == ErrorKind::config ? 2 : 1;
  }
  RealSleeper sleeper;
  SignalWatcher signals(sleeper);
  SystemClock clock;
  RateLimiters limiters(clock);
  auto writer = IndexWriter::open(config->database);
  if (!writer) {
    std::fprintf(stderr, "crm-index: %s\n", writer.error().message.c_str());
    return 1;
  }

  SourceRunner runner(**writer, nullptr, clock, nullptr);
  int exit_code = 0;
  for (const SourceConfig* source : selected) {
    if (signals.stop_flag().load()) {
      exit_code = 1;
      break;
    }
    auto ctx = make_source_context(*source, limiters, sleeper, clock);
    if (!ctx) {
      std::fprintf(args.quiet ? stderr : stdout, "%s: failed: %s\n", source->name.c_str(), ctx.error().message.c_str());
      exit_code = 1;
      continue;
    }
    ProgressLine progress(source->name);
    RunRequest request;
    request.full = args.full;
    request.progress = [&](const RunCounts& c, double e) { progress.update(c, e); };
    request.stop = &signals.stop_flag();
    RunSummary s = runner.run(**ctx, request);
    set_progress_line("");
    const RunCounts& c = s.counts;
    if (s.status != RunStatus::ok && s.status != RunStatus::skipped) exit_code = 1;
    if (args.quiet) {
      if (s.status == RunStatus::failed)
        std::fprintf(stderr, "%s: failed %s: %s\n", source->name.c_str(), to_string(s.mode), s.error.c_str());
      continue;
    }
    if (s.status == RunStatus::ok) {
      std::fprintf(stdout, "%s: ok %s fetched=%ld created=%ld updated=%ld unchanged=%ld touched=%ld deleted=%ld skipped=%ld seconds=%.2f\n",
                   source->name.c_str(), to_string(s.mode), c.fetched, c.created, c.updated, c.unchanged,
                   c.touched, c.deleted, c.skipped, s.seconds);
    } else if (s.status == RunStatus::skipped) {
      // On purpose (a quota reserve), not a failure: the exit code stays 0.
      std::fprintf(stdout, "%s: skipped %s: %s\n", source->name.c_str(), to_string(s.mode), s.error.c_str());
    } else {
      std::fprintf(stdout, "%s: failed %s fetched=%ld created=%ld updated=%ld unchanged=%ld touched=%ld deleted=%ld skipped=%ld seconds=%.2f error: %s\n",
                   source->name.c_str(), to_string(s.mode), c.fetched, c.created, c.updated, c.unchanged,
                   c.touched, c.deleted, c.skipped, s.seconds, s.error.c_str());
    }
    if (c.truncated > 0)
      std::fprintf(stdout, "%s: %ld record(s) stored cut to the index's limits (see the log)\n",
                   source->name.c_str(), c.truncated);
    std::fflush(stdout);
  }
  auto linked = runner.link(*config);
  if (!linked) {
    std::fprintf(stdout, "linking: failed: %s\n", linked.error().message.c_str());
    exit_code = 1;
  } else if (!args.quiet && (linked->dirty > 0 || linked->full)) {
    std::fprintf(stdout, "linking: %s dirty=%ld region=%ld customer_changes=%ld seconds=%.2f\n",
                 linked->full ? "full" : "incremental", linked->dirty, linked->region,
                 linked->customer_changes, linked->seconds);
  }
  return exit_code;
}

}  // namespace crm
