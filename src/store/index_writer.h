// IndexWriter holds the only read-write connection to the index.
//
// The sync engine decides what changed; the writer writes it: each commit() is ONE
// transaction holding a page's record rows, their change-feed rows, the page cursor and
// the run's counts, and, on the last call of a run, the run's end (tombstones, status,
// watermark). A crash between commits loses nothing: the watermark moves only with the
// run's end, so the next run reads the same window again.
//
// Owned by the thread that runs syncs; not thread-safe.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/hash128.h"
#include "core/record.h"
#include "core/result.h"
#include "core/sync_mode.h"
#include "core/time.h"
#include "store/change_feed.h"
#include "store/change_notifier.h"
#include "store/link_store.h"
#include "store/seen_set.h"

namespace crm {

// The page cursor a run left behind (a resumable first sync that was interrupted).
struct StoredCursor {
  std::string page_token;
  TimePoint pass_started{};  // start of the run that read the pass's first page
};

struct SourceRow {
  int64_t id = 0;
  std::optional<TimePoint> watermark;
  std::optional<TimePoint> last_full;
  std::optional<std::string> connector_state;  // Page::state as last stored
  std::optional<StoredCursor> cursor;  // left by an interrupted run, with a next-page token
};

// What the index holds for one external id (row_id 0: nothing yet).
struct StoredState {
  int64_t row_id = 0;
  Hash128 hash;
  bool deleted = false;
  int64_t remote_updated_ms = 0;
};

enum class ChangeOp { create, update, remove };
const char* to_string(ChangeOp op);

struct RecordWrite {
  const Record* record = nullptr;
  int64_t row_id = 0;  // 0: insert a new row
  Hash128 hash;
  ChangeOp op = ChangeOp::update;
};

// A record whose mapped fields are unchanged but whose CRM modification time moved: only
// remote_updated_ms is written (no hash, search index, changed_ms or change-feed row).
struct RecordTouch {
  int64_t row_id = 0;
  int64_t remote_updated_ms = 0;
};

struct RunHistoryRow {
  bool failed = false;  // else ok
  std::optional<TimePoint> finished;
  std::string error, error_kind;
};

struct RunCounts {
  long pages = 0, fetched = 0, created = 0, updated = 0, unchanged = 0, deleted = 0, skipped = 0;
  long truncated = 0;  // stored cut to the index's limits (sync/record_limits.h); not in `runs`
  long unseen_once = 0;  // live, missed by this full pass only: deleted if the next misses them too
  long touched = 0;      // of `unchanged`: only the remote modification time was written
};

enum class RunStatus { running, ok, failed, skipped };  // skipped: on purpose, not a failure
const char* to_string(RunStatus s);

struct RunEnd {
  RunStatus status = RunStatus::ok;
  std::string error;
  std::optional<TimePoint> new_watermark;  // nullopt: keep the stored one
  bool full_pass_completed = false;        // sets last_full to the run's start
  bool tombstone_unseen = false;           // full pass: live rows not in `seen` are deleted
  bool confirm_unseen = false;             // ... only when the previous full pass missed them too
  std::vector<Deletion> deletions;         // from the CRM's deleted-records endpoint
  std::string error_kind;                  // to_string(ErrorKind) of a failure, "" for none
  bool keep_cursor = false;                // a failed first sync a later run may resume
};


struct PageCommit {
  int64_t source_id = 0;
  int64_t run_id = 0;
  std::string_view crm_type;
  TimePoint now{};
  TimePoint run_started{};  // of the pass: a resumed first sync keeps its first run's start
  std::vector<RecordWrite> writes;
  std::vector<RecordTouch> touches;
  const std::vector<Deletion>* deletions = nullptr;  // Page::deletions: tombstoned after the writes
  const std::string* connector_state = nullptr;      // Page::state: stored in sources
  std::optional<std::string> next_token;
  RunCounts* counts = nullptr;  // updated with tombstones, then stored in runs
  SeenSet* seen = nullptr;      // full pass: written row ids are added
  const RunEnd* end = nullptr;  // set on the run's last commit
};

// What a live read found for one record the index holds (platform.md "Live reads"):
// written like a sync would write it, with its change-feed event, outside any run.
struct RecordRepair {
  std::string source;         // the source's name
  std::string_view crm_type;
  std::string external_id;
  const Record* record = nullptr;  // as mapped, transformed and limited; nullptr: the CRM says it is gone
  std::string merged_into;         // gone: the record the CRM merged it into, if any
  Hash128 hash;                    // of *record
  TimePoint now{};
};

enum class RepairOutcome {
  unchanged,  // the index already held this (only the CRM's modification time may have moved)
  updated,    // the row took the CRM's fields (an `update` event; `create` for a tombstone that came back)
  deleted,    // the row became a tombstone (a `delete` event)
  absent,     // the index has no such row: nothing was written
};
const char* to_string(RepairOutcome o);

// Record states another process published (the cluster's CRM_RECORDS stream, one
// source at a time): applied like a sync applies its pages. An external id is at most
// once in `records`, the last state of it.
struct ReplicatedSource {
  std::string name, crm_type;
  std::vector<Record> records;  // Record::deleted: a tombstone (merged_into kept)
  std::vector<Hash128> hashes;  // of each record, as the publisher's sync computed it
};

struct ReplicatedBatch {
  std::vector<ReplicatedSource> sources;
  std::string stream;       // whose position moves with the batch
  uint64_t last_seq = 0;    // the stream sequence of the batch's last message
  TimePoint now{};
};

struct ReplicatedCounts {
  long created = 0, updated = 0, deleted = 0, unchanged = 0;
};

class IndexWriter {
 public:
  static Result<std::unique_ptr<IndexWriter>> open(const std::string& path);
  ~IndexWriter();

  Result<SourceRow> ensure_source(const std::string& name, const std::string& type, TimePoint now);
  // A source with no records yet (its first sync) gets its rows into the search index in
  // one statement at the run's end rather than page by page (sql/0004_first_sync.sql).
  Result<int64_t> begin_run(int64_t source_id, SyncMode mode, TimePoint started);
  // Marks runs left "running" by a crashed process as failed; with `error` when the
  // caller knows why (a run of its own whose end the index could not take).
  Status fail_abandoned_runs(int64_t source_id, TimePoint now, const std::string& error = {});
  // Stores a run's failure on its own, for when the run's last commit could not be
  // written (disk full): a one-row update often still fits where a page did not.
  Status record_run_failure(int64_t run_id, const std::string& error, TimePoint finished);
  Result<long> count_live(int64_t source_id);

  // What the index holds for each record (same order): ONE indexed query per page.
  Status lookup(int64_t source_id, const std::vector<Record>& records, std::vector<StoredState>& out);

  Status commit(const PageCommit& page);
  // One record as a live read found it, in one transaction of its own (no run, no cursor).
  Result<RepairOutcome> repair(const RecordRepair& repair);

  // Writes the states that differ from the index (create / update / delete events, as a
  // sync's), and the stream's position, in ONE transaction.
  Result<ReplicatedCounts> apply_replicated(const ReplicatedBatch& batch);
  // The sequence of the stream's last message applied here (0: none yet).
  Result<uint64_t> stream_position(const std::string& stream);
  // Moves it on its own (a stream whose messages are applied one transaction each).
  Status set_stream_position(const std::string& stream, uint64_t seq);

  // The linker's tables, on this connection; its feed events go through the same feed.
  LinkStore& links();
  // A source's finished runs (not running or skipped), newest first.
  Result<std::vector<RunHistoryRow>> run_history(const std::string& source_name, int limit);
  // Folds the WAL back into the main file, so that it does not grow under steady reads.
  Status checkpoint();

  // Told the feed's last seq after every commit that appended change rows (and once now).
  void set_notifier(ChangeNotifier* notifier);
  ChangeNotifier* notifier() const;

 private:
  explicit IndexWriter(std::unique_ptr<SQLite::Database> db);
  void index_pending_sources();
  void write_record(const PageCommit& page, const RecordWrite& w, bool search_deferred);
  void add_change(const PageCommit& page, int64_t row_id, ChangeOp op);
  void apply_end(const PageCommit& page);
  void tombstone_unseen(const PageCommit& page, bool confirm);
  void tombstone_deletions(const PageCommit& page, const std::vector<Deletion>& deletions);
  void tombstone(const PageCommit& page, int64_t row_id, const std::string& merged_into,
                 TimePoint at);

  std::unique_ptr<SQLite::Database> db_;
  struct Statements;
  std::unique_ptr<Statements> st_;
  std::string ids_json_;  // reused buffer for lookup()
  std::unique_ptr<ChangeFeed> feed_;
  std::unique_ptr<LinkStore> links_;  // made on first use
  void apply_replicated_source(const ReplicatedSource& source, TimePoint now, ReplicatedCounts& counts);
  std::unordered_set<int64_t> search_pending_;  // sources whose first sync defers search indexing
};

}  // namespace crm
