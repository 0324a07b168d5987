// SyncRun: one run of one source, with the semantics of design.md "Sync semantics":
//  - incremental runs ask for records modified at or after (watermark - overlap);
//  - the watermark moves only when a run completes, to
//    max(old watermark, min(run start, highest remote modification time seen)), so
//    records edited while the run paged are read again next time;
//  - a completed full pass tombstones the records it did not see, unless it saw fewer
//    than delete_guard of the live records (then it deletes nothing and fails, saying why);
//  - each page is one transaction (records, change feed, cursor, counts);
//  - a first sync that was interrupted resumes from its stored cursor when the connector
//    says its page tokens outlive the process (Connector::resumable); such a pass has
//    not seen the earlier process's records, so it tombstones nothing;
//  - a connector's Error::skipped before the first page (a quota reserve) ends the run
//    as skipped, not failed.
// The next page is fetched while the current one is written.
//
// Owned by the caller for one run; not thread-safe. The connector, writer and clock
// must outlive it.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "config/config.h"
#include "connectors/connector.h"
#include "core/time.h"
#include "store/index_writer.h"

namespace crm {

struct RunSummary {
  int64_t run_id = 0;
  SyncMode mode = SyncMode::full;
  RunStatus status = RunStatus::failed;
  std::string error;
  std::optional<Error> failure;  // why it failed or was skipped, with kind and hint
  bool resumed = false;          // continued an interrupted first sync from its cursor
  RunCounts counts;
  double seconds = 0;
  TimePoint started{};
  // False when the index could not store the run's end (disk full, read-only file):
  // its row, if it got one, still says "running", and only this summary knows better.
  bool end_recorded = false;
};

using ProgressFn = std::function<void(const RunCounts& counts, double elapsed_s)>;

// Where an incremental run starts reading: the watermark minus the overlap, so that a
// record the CRM stamped late, or a clock a little behind, is read again, not missed.
inline TimePoint incremental_since(TimePoint watermark, Millis overlap) { return watermark - overlap; }

// Pagination that never ends is a bug in the CRM or the connector; stop it.
constexpr long kMaxPagesPerRun = 1'000'000;

class SyncRun {
 public:
  // `writer_mutex`, when given, is held around every use of the writer: the daemon runs
  // several sources at once over its one writer connection.
  SyncRun(const SourceConfig& source, std::string crm_type, Connector& connector,
          IndexWriter& writer, const Clock& clock, std::timed_mutex* writer_mutex = nullptr);

  // `stop`, when set, is checked between pages: the page in hand is committed, then the
  // run ends as failed ("interrupted") without moving the watermark. An incremental run
  // whose connector reports its stored state unusable (Page::needs_full_pass) ends as
  // failed with the reason and is followed by a full pass, whose summary is returned.
  RunSummary run(bool force_full, const ProgressFn& progress = {},
                 const std::atomic<bool>* stop = nullptr);

  // Why an earlier run of this process, still "running" in the index because its end
  // could not be stored (disk full), failed: stored for it instead of "interrupted".
  void set_unrecorded_failure(std::string error) { unrecorded_failure_ = std::move(error); }

 private:
  // One run; sets `full_pass_needed` (to why) when the connector's stored state no longer
  // works (Page::needs_full_pass): run() then runs a full pass at once.
  RunSummary run_once(bool force_full, const ProgressFn& progress, const std::atomic<bool>* stop,
                      std::optional<std::string>& full_pass_needed);
  // The source's field transforms, then the index's limits: cuts or drops records that
  // break them, counting and logging each.
  void prepare_records(std::vector<Record>& records, RunCounts& counts, int64_t run_id);

  const SourceConfig& source_;
  std::string crm_type_;
  Connector& connector_;
  IndexWriter& writer_;
  const Clock& clock_;
  std::timed_mutex* writer_mutex_;
  std::string unrecorded_failure_;
};

}  // namespace crm
