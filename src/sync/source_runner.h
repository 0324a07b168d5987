// SourceRunner: what running sources means beyond the sync itself, shared by the
// scheduler and `crm-index sync`: one SyncRun of a source with its metrics, linking what
// the runs changed, and a WAL checkpoint when one is due. The scheduler only decides when.
//
// Holds the writer and, in the daemon, the mutex its runs share it under. run() may be
// called from several threads at once for different sources; link() and
// checkpoint_if_due() take the writer mutex when there is one.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "config/config.h"
#include "core/metrics.h"
#include "link/linker.h"
#include "store/index_writer.h"
#include "sync/source_context.h"
#include "sync/sync_run.h"

namespace crm {

struct RunRequest {
  bool full = false;             // a full pass whatever the schedule says
  ProgressFn progress = {};      // called between pages
  const std::atomic<bool>* stop = nullptr;  // checked between pages (a shutdown)
  // A failure of an earlier run that the index could not store (SyncRun::set_unrecorded_failure).
  std::string unrecorded_failure = {};
};

class SourceRunner {
 public:
  // `metrics` may be null (a one-off `crm-index sync` has nobody to scrape them).
  SourceRunner(IndexWriter& writer, std::timed_mutex* writer_mutex, const Clock& clock, Metrics* metrics,
               Millis checkpoint_every = std::chrono::seconds(30));

  // One run of the source; its counts and duration go to the metrics.
  RunSummary run(const SourceContext& ctx, const RunRequest& request);

  // Links what the runs changed: also after a failed run (its pages are in the index);
  // cheap when nothing changed, and it catches up after a crash or a change of rules.
  // `heartbeat`, when set, is advanced while a long relink makes progress (the watchdog).
  Result<LinkStats> link(const Config& config, std::atomic<int64_t>* heartbeat = nullptr);

  // A record as a live read fetched it (nullopt: the CRM says it is gone): transformed and
  // limited as a sync's records are, then written through the writer when it differs from
  // the index row (RecordRepair), and linked when it did. The same record read by a sync
  // and by a live read hashes the same, so neither undoes the other.
  Result<RepairOutcome> repair(const SourceConfig& source, std::string_view crm_type, const std::string& external_id,
                               std::optional<Record> record, const Config& config);

  // A mark made or taken back by a person (the CLI's link / unlink, the API's
  // /v1/marks), written and linked under the writer. Errors as Linker::add_mark and
  // Linker::remove_mark.
  Result<int64_t> mark(const MarkRequest& request, const Config& config);
  Status unmark(int64_t mark_id, const std::string& by_user, const Config& config);
  // Linker::mark_records and Linker::mark_on, under the writer.
  Result<std::pair<RecordRef, RecordRef>> mark_records(int64_t mark_id, const Config& config);
  Result<int64_t> mark_on(const RecordRef& a, const RecordRef& b, const Config& config);

  // The source's last `limit` runs, newest first (what a restart remembers of it).
  Result<std::vector<RunHistoryRow>> history(const std::string& source, int limit);

  // Keeps the WAL from growing without bound under steady reads: a checkpoint when the
  // last one is older than checkpoint_every.
  void checkpoint_if_due();

 private:
  void publish(const std::string& source, const RunSummary& s);

  IndexWriter& writer_;
  std::timed_mutex* writer_mutex_;
  const Clock& clock_;
  Metrics* metrics_;
  Millis checkpoint_every_;
  std::mutex checkpoint_mu_;
  TimePoint last_checkpoint_{};
};

}  // namespace crm
