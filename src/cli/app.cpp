// Command-line wiring (CLI11): subcommands, their flags, and exit codes.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <tuple>

#include "cli/check_command.h"
#include "cli/commands.h"
#include "core/log.h"
#include "daemon/daemon.h"

namespace crm {

int fail(const Error& e) {
  std::fprintf(stderr, "crm-index: %s\n", e.message.c_str());
  return e.kind == ErrorKind::config || e.kind == ErrorKind::not_found ? 2 : 1;
}

int run_cli(int argc, char** argv) {
  CLI::App app{"crm-index: one index of the customers in all your CRMs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "crm-index 0.1.0");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "debug | info | warn | error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));

  std::string run_config;
  auto* run = app.add_subcommand("run", "Run the daemon: scheduler and read-only HTTP API");
  run->add_option("--config,-c", run_config, "Configuration file")->required();

  std::string check_config;
  auto* check = app.add_subcommand("check", "Validate a configuration file");
  check->add_option("--config,-c", check_config, "Configuration file")->required();
  bool check_connect = false;
  check->add_flag("--connect", check_connect,
                  "Also ask each enabled source's CRM for one page of a full and of an incremental pass");

  SyncArgs sync_args;
  auto* sync = app.add_subcommand("sync", "Run one pass for each source, then exit");
  sync->add_option("--config,-c", sync_args.config, "Configuration file")->required();
  sync->add_option("--source,-s", sync_args.sources, "Only this source (repeatable)");
  sync->add_flag("--full", sync_args.full, "Read everything and find deletions");

  std::string status_config;
  auto* status = app.add_subcommand("status", "Show each source's last run");
  status->add_option("--config,-c", status_config, "Configuration file")->required();

  ExportArgs export_args;
  auto* exp = app.add_subcommand("export", "Write the index to standard output");
  exp->add_option("--config,-c", export_args.config, "Configuration file")->required();
  exp->add_option("--format,-f", export_args.format, "jsonl | csv")->check(CLI::IsMember({"jsonl", "csv"}));
  exp->add_option("--source,-s", export_args.source, "Only this source");
  exp->add_flag("--include-deleted", export_args.include_deleted, "Include tombstones");

  MarkArgs link_args, unlink_args;
  unlink_args.unlink = true;
  for (auto [name, args, help] : {std::tuple{"link", &link_args, "Mark two records as one customer"},
                                  std::tuple{"unlink", &unlink_args, "Mark two records as different customers"}}) {
    auto* cmd = app.add_subcommand(name, help);
    cmd->add_option("--config,-c", args->config, "Configuration file")->required();
    cmd->add_option("a", args->a, "SOURCE:EXTERNAL_ID")->required();
    cmd->add_option("b", args->b, "SOURCE:EXTERNAL_ID")->required();
    cmd->add_option("--note", args->note, "Why (shown in the customer's reasons)");
  }
  std::string marks_config;
  auto* marks = app.add_subcommand("marks", "List the manual link and unlink marks");
  marks->add_option("--config,-c", marks_config, "Configuration file")->required();
  std::string unmark_config;
  int64_t unmark_id = 0;
  auto* unmark = app.add_subcommand("unmark", "Take a link or unlink mark back (its number from `marks`)");
  unmark->add_option("--config,-c", unmark_config, "Configuration file")->required();
  unmark->add_option("id", unmark_id, "The mark's number")->required()->check(CLI::PositiveNumber);
  std::string review_config;
  int review_limit = 50;
  auto* review = app.add_subcommand("review", "List suggested links waiting for a decision");
  review->add_option("--config,-c", review_config, "Configuration file")->required();
  review->add_option("--limit", review_limit, "How many")->check(CLI::Range(1, 1000))->capture_default_str();
  std::string relink_config;
  auto* relink = app.add_subcommand("relink", "Link every record again (after a change of linking rules)");
  relink->add_option("--config,-c", relink_config, "Configuration file")->required();

  OutputsArgs outputs_args;
  auto* outputs = app.add_subcommand("outputs", "Show where each output (NATS, webhooks) stands in the change feed");
  // --config may come before or after `replay`: required by hand below.
  outputs->add_option("--config,-c", outputs_args.config, "Configuration file");
  auto* replay = outputs->add_subcommand("replay", "Deliver an output's dead letters (or everything from --from) again");
  replay->add_option("name", outputs_args.replay, "The output: nats or a webhook's name")->required();
  int64_t replay_from = 0;
  auto* from = replay->add_option("--from", replay_from, "Every event from this seq on, not only the dead letters");
  replay->add_option("--config,-c", outputs_args.config, "Configuration file");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  set_log_level(log_level == "debug" ? LogLevel::debug
                : log_level == "warn" ? LogLevel::warn
                : log_level == "error" ? LogLevel::error
                                       : LogLevel::info);
  if (*run) return run_daemon(run_config);
  if (*check) return run_check(check_config, std::cout, std::cerr, check_connect);
  if (*sync) return run_sync(sync_args);
  if (*status) return run_status(status_config);
  if (*exp) return run_export(export_args);
  if (app.got_subcommand("link")) return run_mark(link_args);
  if (app.got_subcommand("unlink")) return run_mark(unlink_args);
  if (*marks) return run_marks(marks_config);
  if (*unmark) return run_unmark(unmark_config, unmark_id);
  if (*review) return run_review(review_config, review_limit);
  if (*relink) return run_relink(relink_config);
  if (*outputs) {
    if (*from) outputs_args.from = replay_from;
    if (outputs_args.config.empty()) {
      std::cerr << "outputs: --config is required\n";
      return 2;
    }
    return run_outputs(outputs_args);
  }
  return 2;
}

}  // namespace crm
