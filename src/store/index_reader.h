// IndexReader: a read-only (query_only) connection for status, export and the API.
// Readers never block the writer (WAL). One per thread; not thread-safe.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/record.h"
#include "core/result.h"
#include "core/time.h"
#include "store/index_writer.h"

namespace crm {

struct RunRow {
  int64_t id = 0;
  std::string mode;
  std::string status;
  std::string error;
  TimePoint started{};
  std::optional<TimePoint> finished;
  RunCounts counts;
};

// The run whose id, mode, status, error, started_ms, finished_ms, pages, fetched,
// created, updated, unchanged, deleted, skipped, touched stand in 14 columns from `first` on;
// nullopt when the id column is NULL (no run yet). Shared by status and the API.
std::optional<RunRow> read_run_columns(SQLite::Statement& q, int first);

struct SourceStatus {
  std::string name;
  std::string type;
  std::optional<TimePoint> watermark;
  std::optional<TimePoint> last_full;
  long live = 0;
  long deleted = 0;
  std::optional<RunRow> last_run;
  std::optional<std::string> needs_attention;  // why the CRM refused the last run (auth, config)
  std::optional<TimePoint> last_success;       // end of the last run with status ok
  bool last_run_interrupted = false;           // failed because the process stopped mid-run
};

// A record as the index holds it.
struct StoredRecord {
  std::string source;
  std::string crm_type;
  Record record;  // deleted / merged_into reflect the tombstone
  TimePoint first_seen{};
  TimePoint changed_at{};
  std::optional<TimePoint> deleted_at;
  std::optional<int64_t> customer_id;  // none for a deleted record outside any customer
};

struct RecordFilter {
  std::string source;  // "" = all
  bool include_deleted = false;
};

class IndexReader {
 public:
  static Result<std::unique_ptr<IndexReader>> open(const std::string& path);

  Result<std::vector<SourceStatus>> sources();
  // What the next run of `name` starts from (id, watermark, last full pass, connector
  // state; no cursor); nullopt when the index has no such source.
  Result<std::optional<SourceRow>> source_row(const std::string& name);
  // Streams records ordered by source, external_id; stops early if fn returns false.
  Status for_each_record(const RecordFilter& filter, const std::function<bool(const StoredRecord&)>& fn);

 private:
  explicit IndexReader(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace crm
