#include "store/index_reader.h"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include "store/database.h"
#include "store/record_columns.h"

namespace crm {

std::optional<RunRow> read_run_columns(SQLite::Statement& q, int first) {
  if (q.getColumn(first).isNull()) return std::nullopt;
  RunRow r;
  r.id = q.getColumn(first).getInt64();
  r.mode = q.getColumn(first + 1).getString();
  r.status = q.getColumn(first + 2).getString();
  r.error = q.getColumn(first + 3).isNull() ? "" : q.getColumn(first + 3).getString();
  r.started = from_ms(q.getColumn(first + 4).getInt64());
  r.finished = opt_time(q.getColumn(first + 5));
  int col = first + 6;
  for (long* n : {&r.counts.pages, &r.counts.fetched, &r.counts.created, &r.counts.updated,
                  &r.counts.unchanged, &r.counts.deleted, &r.counts.skipped, &r.counts.touched})
    *n = static_cast<long>(q.getColumn(col++).getInt64());
  return r;
}

Result<std::unique_ptr<IndexReader>> IndexReader::open(const std::string& path) {
  auto db = open_database(path, OpenMode::read_only);
  if (!db) return db.error();
  return std::unique_ptr<IndexReader>(new IndexReader(std::move(*db)));
}

Result<std::vector<SourceStatus>> IndexReader::sources() {
  try {
    std::vector<SourceStatus> out;
    // The error of the last run that was not skipped, when the CRM refused it (auth,
    // config): runs.error_kind exists from schema version 7 on.
    const bool kinds = db_->execAndGet("PRAGMA user_version").getInt() >= 7;
    std::string attention = kinds ? "(SELECT CASE WHEN a.status = 'failed' AND a.error_kind IN ('auth', 'config') "
                                    "THEN coalesce(a.error, '') END FROM runs a WHERE a.source_id = s.id AND "
                                    "a.status NOT IN ('running', 'skipped') ORDER BY a.id DESC LIMIT 1)"
                                  : "NULL";
    SQLite::Statement q(*db_,
        "SELECT s.name, s.type, s.watermark_ms, s.last_full_ms, "
        " (SELECT count(*) FROM records r WHERE r.source_id = s.id AND r.deleted_ms IS NULL), "
        " (SELECT count(*) FROM records r WHERE r.source_id = s.id AND r.deleted_ms IS NOT NULL), "
        " u.id, u.mode, u.status, u.error, u.started_ms, u.finished_ms, u.pages, u.fetched, "
        " u.created, u.updated, u.unchanged, u.deleted, u.skipped, u.touched, " + attention +
        ", (SELECT finished_ms FROM runs o WHERE o.source_id = s.id AND o.status = 'ok' ORDER BY o.id DESC LIMIT 1), " +
        std::string(kinds ? "coalesce(u.error_kind = 'interrupted', 0)" : "0") +
        " FROM sources s LEFT JOIN runs u ON u.id = "
        " (SELECT max(id) FROM runs WHERE source_id = s.id) ORDER BY s.name");
    while (q.executeStep()) {
      SourceStatus s;
      s.name = q.getColumn(0).getString();
      s.type = q.getColumn(1).getString();
      s.watermark = opt_time(q.getColumn(2));
      s.last_full = opt_time(q.getColumn(3));
      s.live = static_cast<long>(q.getColumn(4).getInt64());
      s.deleted = static_cast<long>(q.getColumn(5).getInt64());
      s.last_run = read_run_columns(q, 6);
      if (!q.getColumn(20).isNull()) s.needs_attention = q.getColumn(20).getString();
      s.last_success = opt_time(q.getColumn(21));
      s.last_run_interrupted = q.getColumn(22).getInt() != 0;
      out.push_back(std::move(s));
    }
    return out;
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: {}", e.what()));
  }
}

Result<std::optional<SourceRow>> IndexReader::source_row(const std::string& name) {
  try {
    // connector_state exists from schema version 5 on.
    const bool states = db_->execAndGet("PRAGMA user_version").getInt() >= 5;
    SQLite::Statement q(*db_, fmt::format("SELECT id, watermark_ms, last_full_ms, {} FROM sources WHERE name = ?",
                                          states ? "connector_state" : "NULL"));
    q.bind(1, name);
    if (!q.executeStep()) return std::optional<SourceRow>{};
    SourceRow row;
    row.id = q.getColumn(0).getInt64();
    row.watermark = opt_time(q.getColumn(1));
    row.last_full = opt_time(q.getColumn(2));
    if (!q.getColumn(3).isNull()) row.connector_state = q.getColumn(3).getString();
    return std::optional<SourceRow>{std::move(row)};
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: {}", e.what()));
  }
}

Status IndexReader::for_each_record(const RecordFilter& filter,
                                    const std::function<bool(const StoredRecord&)>& fn) {
  try {
    SQLite::Statement q(*db_, fmt::format(
        "SELECT {} FROM records r JOIN sources s ON s.id = r.source_id "
        "WHERE (?1 = '' OR s.name = ?1) AND (?2 OR r.deleted_ms IS NULL) "
        "ORDER BY s.name, r.external_id",
        kRecordColumns));
    q.bind(1, filter.source);
    q.bind(2, filter.include_deleted ? 1 : 0);
    StoredRecord sr;
    while (q.executeStep()) {
      read_record(q, 0, sr);
      if (!fn(sr)) break;
    }
    return {};
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: {}", e.what()));
  }
}

}  // namespace crm
