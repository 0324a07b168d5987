// The subcommands of crm-index. Each returns the exit code: 0 ok, 1 runtime failure,
// 2 usage or configuration error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace crm {

struct SyncArgs {
  std::string config;
  std::vector<std::string> sources;  // empty: every enabled source
  bool full = false;
  bool quiet = false;  // no result lines (errors still go to stderr)
};
int run_sync(const SyncArgs& args);

// Exit 0 when every enabled source is ok, 1 when one fails, is stale or needs attention,
// 2 on a config error or when the index does not exist yet.
int run_status(const std::string& config, bool json);

struct ExportArgs {
  std::string config;
  std::string format = "jsonl";  // jsonl | csv
  std::string source;
  bool include_deleted = false;
};
int run_export(const ExportArgs& args);

struct MarkArgs {
  std::string config;
  std::string a, b;  // SOURCE:EXTERNAL_ID
  std::string note;
  bool unlink = false;
};
int run_mark(const MarkArgs& args);
int run_marks(const std::string& config, bool json);
// Takes mark #id back (as DELETE /v1/marks/{id} does), by the OS user.
int run_unmark(const std::string& config, int64_t mark_id);
int run_review(const std::string& config, int limit, bool json);
int run_relink(const std::string& config);

struct OutputsArgs {
  std::string config;
  std::string replay;          // "": list the outputs
  std::optional<int64_t> from; // replay: every event from this seq on, not only dead letters
  bool json = false;           // the list as JSON
};
int run_outputs(const OutputsArgs& args);

// Prints "crm-index: <message>" to stderr; the exit code for it: 2 for a config or
// not-found error (the user's to fix), 1 otherwise.
int fail(const Error& e);

// Entry point of main(): parses argv and runs the subcommand.
int run_cli(int argc, char** argv);

}  // namespace crm
