// Command-line wiring (CLI11): subcommands, their flags, and exit codes.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/check_command.h"
#include "cli/commands.h"
#include "core/log.h"
#include "daemon/daemon.h"

namespace crm {

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
  if (*check) return run_check(check_config, std::cout, std::cerr);
  if (*sync) return run_sync(sync_args);
  if (*status) return run_status(status_config);
  if (*exp) return run_export(export_args);
  return 2;
}

}  // namespace crm
