// `crm-index link | unlink | marks | review | relink`: manual marks and the review queue
// of design.md "Linking". They write through SQLite next to a running daemon (SQLite
// serialises the writers); the daemon's API sees the result at once.
#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/commands.h"
#include "core/json_writer.h"
#include "core/time.h"
#include "daemon/config_loading.h"
#include "link/linker.h"
#include "store/api_queries.h"
#include "store/index_writer.h"

namespace crm {
namespace {

// Who made a mark: the person behind sudo, else the account running the command.
std::string os_user() {
  if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) return sudo;
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_name) return pw->pw_name;
  return fmt::format("uid {}", getuid());
}

// The index's read side for a command that only reads it: nullptr once the reason (the
// config's errors, a missing index) is printed; `exit_code` says how to exit then.
std::unique_ptr<ApiQueries> open_for_reading(const std::string& config_path, int& exit_code) {
  auto config = load_config_or_report(config_path);
  if (!config) {
    exit_code = 2;
    return nullptr;
  }
  auto queries = ApiQueries::open(config->database);
  if (!queries) {
    exit_code = fail(queries.error());
    return nullptr;
  }
  return std::move(*queries);
}

// Runs `work(linker, now)` on the index's writer: the exit code of a config or index that
// cannot be opened, else what `work` returns.
template <class Work>
int with_linker(const std::string& config_path, Work&& work) {
  auto config = load_config_or_report(config_path);
  if (!config) return 2;
  auto writer = IndexWriter::open(config->database);
  if (!writer) return fail(writer.error());
  Linker linker((*writer)->links(), *config);
  SystemClock clock;
  return work(linker, clock.now());
}

}  // namespace

int run_mark(const MarkArgs& args) {
  return with_linker(args.config, [&](Linker& linker, TimePoint now) {
    auto a = parse_record_ref(args.a);
    if (!a) return fail(a.error());
    auto b = parse_record_ref(args.b);
    if (!b) return fail(b.error());
    MarkRequest req{*a, *b, args.unlink ? MarkOp::unlink : MarkOp::link, args.note, os_user()};
    auto id = linker.add_mark(req, now);
    if (!id) return fail(id.error());
    std::printf("mark #%lld: %s %s:%s %s:%s\n", static_cast<long long>(*id), args.unlink ? "unlink" : "link",
                a->source.c_str(), a->external_id.c_str(), b->source.c_str(), b->external_id.c_str());
    return 0;
  });
}

int run_unmark(const std::string& config_path, int64_t mark_id) {
  return with_linker(config_path, [&](Linker& linker, TimePoint now) {
    if (auto st = linker.remove_mark(mark_id, os_user(), now); !st) return fail(st.error());
    std::printf("mark #%lld taken back\n", static_cast<long long>(mark_id));
    return 0;
  });
}

int run_marks(const std::string& config_path, bool json) {
  int exit_code = 0;
  auto queries = open_for_reading(config_path, exit_code);
  if (!queries) return exit_code;
  auto marks = queries->marks();
  if (!marks) return fail(marks.error());
  std::string out;
  if (json) {
    JsonWriter w(out);
    w.begin_object().key("marks").begin_array();
    for (const auto& m : *marks) {
      w.begin_object();
      w.field("id", m.id);
      w.field("op", m.op);
      w.field("a", m.a);
      w.field("b", m.b);
      w.field("note", m.note);
      w.field("by", m.by_user);
      w.field("at", format_iso8601(m.at));
      w.end_object();
    }
    w.end_array().end_object();
    out += '\n';
  } else {
    out = fmt::format("{:<6} {:<7} {:<30} {:<30} {:<21} {:<12} {}\n", "MARK", "OP", "RECORD", "RECORD", "AT", "BY",
                      "NOTE");
    for (const auto& m : *marks)
      out += fmt::format("#{:<5} {:<7} {:<30} {:<30} {:<21} {:<12} {}\n", m.id, m.op, m.a, m.b,
                         format_iso8601_seconds(m.at), m.by_user, m.note);
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

int run_review(const std::string& config_path, int limit, bool json) {
  int exit_code = 0;
  auto queries = open_for_reading(config_path, exit_code);
  if (!queries) return exit_code;
  auto rows = queries->suggestions(0, 0, limit);
  if (!rows) return fail(rows.error());
  auto ref = [](const RecordRow& r) { return r.record.source + ":" + r.record.record.external_id; };
  if (json) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().key("suggestions").begin_array();
    for (const auto& s : *rows) {
      w.begin_object();
      w.field("rule", s.rule);
      w.field("value", s.value);
      w.field("a", ref(s.a));
      w.field("a_name", s.a.record.record.name);
      w.field("b", ref(s.b));
      w.field("b_name", s.b.record.record.name);
      w.field("created_at", format_iso8601(s.created));
      w.end_object();
    }
    w.end_array().end_object();
    out += '\n';
    std::fputs(out.c_str(), stdout);
    return 0;
  }
  if (rows->empty()) {
    std::printf("no suggestions waiting\n");
    return 0;
  }
  for (const auto& s : *rows) {
    std::printf("%s (%s)  ~  %s (%s)\n    %s: %s\n    accept: crm-index link -c %s %s %s\n    reject: crm-index unlink -c %s %s %s\n",
                ref(s.a).c_str(), s.a.record.record.name.c_str(), ref(s.b).c_str(), s.b.record.record.name.c_str(),
                s.rule.c_str(), s.value.c_str(), config_path.c_str(), ref(s.a).c_str(), ref(s.b).c_str(),
                config_path.c_str(), ref(s.a).c_str(), ref(s.b).c_str());
  }
  return 0;
}

int run_relink(const std::string& config_path) {
  return with_linker(config_path, [&](Linker& linker, TimePoint now) {
    auto stats = linker.relink_all(now);
    if (!stats) return fail(stats.error());
    std::printf("relinked: customers=%ld customer_changes=%ld seconds=%.2f\n", stats->customers,
                stats->customer_changes, stats->seconds);
    return 0;
  });
}

}  // namespace crm
