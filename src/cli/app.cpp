// Command-line wiring (CLI11): subcommands, their flags, and exit codes. The global
// options (--config, --log-level, --log-format) go before or after the subcommand; the
// config file is --config, else $CRM_INDEX_CONFIG, else /etc/crm-index/crm-index.yaml.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <tuple>

#include "cli/check_command.h"
#include "cli/commands.h"
#include "cli/completion.h"
#include "config/did_you_mean.h"
#include "core/build_info.h"
#include "core/log.h"
#include "core/log_format.h"
#include "daemon/daemon.h"

namespace crm {

constexpr const char* kDefaultConfig = "/etc/crm-index/crm-index.yaml";

int fail(const Error& e) {
  std::fprintf(stderr, "crm-index: %s\n", e.message.c_str());
  return e.kind == ErrorKind::config || e.kind == ErrorKind::not_found ? 2 : 1;
}

namespace {

// "crm-index: unknown command 'syncc' (did you mean 'sync'?)" for a first word that names
// no subcommand; "" when the words hold a subcommand or no plain word at all.
std::string unknown_command(const CLI::App& app, int argc, char** argv) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word.empty() || word[0] == '-') {
      // The value of a global option is not a command.
      if ((word == "--config" || word == "-c" || word == "--log-level" || word == "--log-format") && i + 1 < argc) ++i;
      continue;
    }
    if (std::find(names.begin(), names.end(), word) != names.end()) return "";
    return fmt::format("crm-index: unknown command '{}'{}; `crm-index --help` lists them", word,
                       did_you_mean(word, names));
  }
  return "";
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"crm-index: one index of the customers in all your CRMs"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", fmt::format("crm-index {} ({})", build_version(), build_revision()));
  std::string config = kDefaultConfig;
  app.add_option("--config,-c", config, fmt::format("Configuration file (default: $CRM_INDEX_CONFIG, else {})", kDefaultConfig))
      ->envname("CRM_INDEX_CONFIG");
  std::string log_level = "info";
  auto* level_option = app.add_option("--log-level", log_level, "debug | info | warn | error")
                           ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  std::string log_format = "text";
  app.add_option("--log-format", log_format, "text (logfmt; under the journal with its priority) | json")
      ->check(CLI::IsMember({"text", "json"}));

  auto* run = app.add_subcommand("run", "Run the daemon: scheduler and HTTP API");

  auto* check = app.add_subcommand("check", "Validate a configuration file");
  bool check_connect = false;
  check->add_flag("--connect", check_connect,
                  "Also ask each enabled source's CRM for one page of a full and of an incremental pass");

  SyncArgs sync_args;
  auto* sync = app.add_subcommand("sync", "Run one pass for each source, then exit");
  sync->add_option("--source,-s", sync_args.sources, "Only this source (repeatable)");
  sync->add_flag("--full", sync_args.full, "Read everything and find deletions");
  sync->add_flag("--quiet,-q", sync_args.quiet, "No result lines; errors only");

  bool status_json = false;
  auto* status = app.add_subcommand("status", "Show each source's state and last run (exit 1 when one is not ok)");
  status->add_flag("--json", status_json, "As JSON");

  ExportArgs export_args;
  auto* exp = app.add_subcommand("export", "Write the index to standard output");
  exp->add_option("--format,-f", export_args.format, "jsonl | csv")->check(CLI::IsMember({"jsonl", "csv"}));
  exp->add_option("--source,-s", export_args.source, "Only this source");
  exp->add_flag("--include-deleted", export_args.include_deleted, "Include tombstones");

  MarkArgs link_args, unlink_args;
  unlink_args.unlink = true;
  for (auto [name, args, help] : {std::tuple{"link", &link_args, "Mark two records as one customer"},
                                  std::tuple{"unlink", &unlink_args, "Mark two records as different customers"}}) {
    auto* cmd = app.add_subcommand(name, help);
    cmd->add_option("a", args->a, "SOURCE:EXTERNAL_ID")->required();
    cmd->add_option("b", args->b, "SOURCE:EXTERNAL_ID")->required();
    cmd->add_option("--note", args->note, "Why (shown in the customer's reasons)");
  }
  bool marks_json = false;
  auto* marks = app.add_subcommand("marks", "List the manual link and unlink marks in force");
  marks->add_flag("--json", marks_json, "As JSON");
  int64_t unmark_id = 0;
  auto* unmark = app.add_subcommand("unmark", "Take a link or unlink mark back (its number from `marks`)");
  unmark->add_option("id", unmark_id, "The mark's number")->required()->check(CLI::PositiveNumber);
  int review_limit = 50;
  bool review_json = false;
  auto* review = app.add_subcommand("review", "List suggested links waiting for a decision");
  review->add_option("--limit", review_limit, "How many")->check(CLI::Range(1, 1000))->capture_default_str();
  review->add_flag("--json", review_json, "As JSON");
  auto* relink = app.add_subcommand("relink", "Link every record again (after a change of linking rules)");

  OutputsArgs outputs_args;
  auto* outputs = app.add_subcommand("outputs", "Show where each output (NATS, webhooks) stands in the change feed");
  outputs->add_flag("--json", outputs_args.json, "As JSON");
  auto* replay = outputs->add_subcommand("replay", "Deliver an output's dead letters (or everything from --from) again");
  replay->add_option("name", outputs_args.replay, "The output: nats or a webhook's name")->required();
  int64_t replay_from = 0;
  auto* from = replay->add_option("--from", replay_from, "Every event from this seq on, not only the dead letters");
  std::string shell;
  auto* completion = app.add_subcommand("completion", "Print a completion script: bash | zsh");
  completion->add_option("shell", shell, "bash | zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) sub->fallthrough();
  replay->fallthrough();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (std::string unknown = unknown_command(app, argc, argv); !unknown.empty()) {
      std::fprintf(stderr, "%s\n", unknown.c_str());
      return 2;
    }
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  // A one-off sync reports its result on stdout: its log says only what went wrong,
  // unless a level was asked for.
  if (*sync && level_option->count() == 0) log_level = "warn";
  set_log_level(log_level == "debug" ? LogLevel::debug
                : log_level == "warn" ? LogLevel::warn
                : log_level == "error" ? LogLevel::error
                                       : LogLevel::info);
  set_log_format(log_format == "json" ? LogFormat::json : LogFormat::text);
  for (auto* args : {&sync_args.config, &export_args.config, &link_args.config, &unlink_args.config,
                     &outputs_args.config})
    *args = config;
  if (*completion) {
    std::fputs(completion_script(app, shell).c_str(), stdout);
    return 0;
  }
  if (*run) return run_daemon(config);
  if (*check) return run_check(config, std::cout, std::cerr, check_connect);
  if (*sync) return run_sync(sync_args);
  if (*status) return run_status(config, status_json);
  if (*exp) return run_export(export_args);
  if (app.got_subcommand("link")) return run_mark(link_args);
  if (app.got_subcommand("unlink")) return run_mark(unlink_args);
  if (*marks) return run_marks(config, marks_json);
  if (*unmark) return run_unmark(config, unmark_id);
  if (*review) return run_review(config, review_limit, review_json);
  if (*relink) return run_relink(config);
  if (*outputs) {
    if (*from) outputs_args.from = replay_from;
    return run_outputs(outputs_args);
  }
  return 2;
}

}  // namespace crm
