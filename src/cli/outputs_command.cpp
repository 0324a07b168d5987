// `crm-index outputs [replay NAME [--from SEQ]]`: where each configured output stands in
// the change feed (as GET /v1/outputs shows it), and the replay of its dead letters or of
// everything from a seq on. A replay writes next to a running daemon (SQLite serialises
// the writers); the daemon's delivery thread picks it up within a second.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "cli/commands.h"
#include "core/json_writer.h"
#include "daemon/config_loading.h"
#include "outputs/outputs.h"
#include "store/output_store.h"

namespace crm {
namespace {

bool index_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

int list_outputs(const Config& config, bool json) {
  const auto specs = output_specs(config.outputs);
  if (specs.empty() && !json) {
    std::puts("no outputs configured (outputs: in the config)");
    return 0;
  }
  std::map<std::string, OutputRow> stored;
  int64_t head = 0;
  if (index_exists(config.database)) {
    auto store = OutputStore::open(config.database);
    if (!store) return fail(store.error());
    auto rows = (*store)->list();
    if (!rows) return fail(rows.error());
    for (auto& r : *rows) stored[r.name] = std::move(r);
    auto h = (*store)->head();
    if (!h) return fail(h.error());
    head = *h;
  }
  if (json) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().key("outputs").begin_array();
    for (const auto& spec : specs) {
      OutputRow r;
      if (auto it = stored.find(spec.name); it != stored.end()) r = it->second;
      w.begin_object();
      w.field("name", spec.name);
      w.field("type", spec.type);
      w.field("position", r.position);
      w.field("lag", std::max<int64_t>(0, head - r.position));
      w.field("delivered", r.delivered);
      w.field("dead_letters", r.dead_letters);
      w.key("last_error").string_or_null(r.last_error);
      w.end_object();
    }
    w.end_array();
    w.field("last_seq", head);
    w.end_object();
    out += '\n';
    std::fputs(out.c_str(), stdout);
    return 0;
  }
  std::string out = fmt::format("{:<20} {:<8} {:>10} {:>10} {:>12} {:>12}  {}\n", "OUTPUT", "TYPE", "POSITION", "LAG",
                                "DELIVERED", "DEAD LETTERS", "LAST ERROR");
  for (const auto& spec : specs) {
    OutputRow r;
    if (auto it = stored.find(spec.name); it != stored.end()) r = it->second;
    out += fmt::format("{:<20} {:<8} {:>10} {:>10} {:>12} {:>12}  {}\n", spec.name, spec.type, r.position,
                       std::max<int64_t>(0, head - r.position), r.delivered, r.dead_letters, r.last_error);
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace

int run_outputs(const OutputsArgs& args) {
  auto config = load_config_or_report(args.config);
  if (!config) return 2;
  if (args.replay.empty()) return list_outputs(*config, args.json);

  bool configured = false;
  for (const auto& spec : output_specs(config->outputs)) configured = configured || spec.name == args.replay;
  if (!configured) return fail(Error::config(fmt::format("no output named '{}' in {}", args.replay, args.config)));
  if (args.from && *args.from < 1) return fail(Error::config("--from: a seq is 1 or more"));
  if (!index_exists(config->database))
    return fail(Error::not_found(fmt::format("{}: no index here yet (run a sync first)", config->database)));
  auto store = OutputStore::open(config->database);
  if (!store) return fail(store.error());
  auto done = (*store)->request_replay(args.replay, args.from, SystemClock().now());
  if (!done) return fail(done.error());
  if (done->rewound_to)
    std::printf("%s: every event after seq %lld is delivered again (%lld dead letters among them or before)\n",
                args.replay.c_str(), static_cast<long long>(*done->rewound_to),
                static_cast<long long>(done->dead_letters));
  else
    std::printf("%s: %lld dead letters queued for another delivery\n", args.replay.c_str(),
                static_cast<long long>(done->dead_letters));
  return 0;
}

}  // namespace crm
