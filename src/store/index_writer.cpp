#include "store/index_writer.h"

#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/json_writer.h"
#include "core/log.h"
#include "store/database.h"

namespace crm {
namespace {

// Whether the folder holding `path` takes no writes: a read-only mount (statvfs), or a
// file system that turned read-only by itself (ext4 errors=remount-ro shows only when a
// file is created: an unnamed O_TMPFILE, gone at close).
bool read_only_folder(const std::string& path, const struct statvfs& fs) {
  if (fs.f_flag & ST_RDONLY) return true;
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  return fd < 0 && errno == EROFS;
}

// SQLite says "disk I/O error" for a file system that went read-only, and "database or
// disk is full" also when the disk is not; the file system's state says which, e.g.
// "disk I/O error (Read-only file system)". (sqlite3_system_errno does not help: errno
// has moved on by the time the error surfaces.) Other errors: SQLite's message.
std::string describe(SQLite::Database& db, const std::exception& e) {
  const auto* sqlite_error = dynamic_cast<const SQLite::Exception*>(&e);
  if (sqlite_error == nullptr) return e.what();
  const int code = sqlite_error->getErrorCode() & 0xff;  // the primary code of an extended one
  if (code != SQLITE_IOERR && code != SQLITE_FULL && code != SQLITE_CANTOPEN && code != SQLITE_READONLY)
    return e.what();
  const std::string path = db.getFilename();
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) return e.what();
  if (read_only_folder(path, fs)) return fmt::format("{} ({})", e.what(), std::strerror(EROFS));
  if (fs.f_bavail == 0) return fmt::format("{} ({})", e.what(), std::strerror(ENOSPC));
  return e.what();
}

}  // namespace

const char* to_string(ChangeOp op) {
  switch (op) {
    case ChangeOp::create: return "create";
    case ChangeOp::update: return "update";
    case ChangeOp::remove: return "delete";
  }
  return "update";
}

const char* to_string(RunStatus s) {
  switch (s) {
    case RunStatus::running: return "running";
    case RunStatus::ok: return "ok";
    case RunStatus::failed: return "failed";
    case RunStatus::skipped: return "skipped";
  }
  return "failed";
}

// Prepared once, reused for every page: the per-record path must not re-parse SQL.
struct IndexWriter::Statements {
  explicit Statements(SQLite::Database& db)
      : lookup(db,
               "SELECT j.key, r.id, r.hash, r.deleted_ms IS NOT NULL, r.remote_updated_ms "
               // CROSS JOIN keeps json_each outside: one index probe per id, not a
               // scan of the whole source per page.
               "FROM json_each(?1) AS j CROSS JOIN records AS r "
               "ON r.source_id = ?2 AND r.external_id = j.value"),
        insert(db,
               "INSERT INTO records (source_id, external_id, crm_type, kind, name, given_name, "
               "family_name, email, phone, company, national_id, remote_updated_ms, web_url, "
               "extra, hash, first_seen_ms, changed_ms, deleted_ms, merged_into, country) VALUES "
               "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16, "
               "?17, ?18, ?19)"),
        update(db,
               "UPDATE records SET kind = ?2, name = ?3, given_name = ?4, family_name = ?5, "
               "email = ?6, phone = ?7, company = ?8, national_id = ?9, remote_updated_ms = ?10, "
               "web_url = ?11, extra = ?12, hash = ?13, changed_ms = ?14, deleted_ms = ?15, "
               "merged_into = ?16, country = ?17 WHERE id = ?1"),
        touch(db, "UPDATE records SET remote_updated_ms = ?2 WHERE id = ?1"),
        cursor(db,
               "INSERT INTO cursors (source_id, run_id, page_token, pages, updated_ms, pass_started_ms) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (source_id) DO UPDATE SET "
               "run_id = excluded.run_id, page_token = excluded.page_token, "
               "pages = excluded.pages, updated_ms = excluded.updated_ms, "
               "pass_started_ms = excluded.pass_started_ms"),
        run_counts(db,
                   "UPDATE runs SET pages = ?2, fetched = ?3, created = ?4, updated = ?5, "
                   "unchanged = ?6, deleted = ?7, skipped = ?8, touched = ?9 WHERE id = ?1"),
        tombstone(db,
                  "UPDATE records SET deleted_ms = ?2, changed_ms = ?2, merged_into = ?3 "
                  "WHERE id = ?1"),
        find_live(db,
                  "SELECT id FROM records WHERE source_id = ?1 AND external_id = ?2 "
                  "AND deleted_ms IS NULL"),
        fts_unindex(db,
                    "INSERT INTO records_fts (records_fts, rowid, name, email, company) "
                    "SELECT 'delete', id, name, email, company FROM records_search "
                    "WHERE id IN (SELECT value FROM json_each(?1))"),
        fts_index(db,
                  "INSERT INTO records_fts (rowid, name, email, company) "
                  "SELECT id, name, email, company FROM records_search "
                  "WHERE id IN (SELECT value FROM json_each(?1))"),
        index_source(db,
                     "INSERT INTO records_fts (rowid, name, email, company) "
                     "SELECT id, name, email, company FROM records_search WHERE source_id = ?1"),
        unpend_source(db, "DELETE FROM search_pending WHERE source_id = ?1") {}

  SQLite::Statement lookup, insert, update, touch, cursor, run_counts, tombstone, find_live;

  // The search index (records_fts over the folded view records_search,
  // sql/0006_link_search.sql) follows the records a page
  // writes, in the page's transaction and batched: one statement per page takes the
  // OLD values of the rows the page updates out of it (an external-content FTS5 table
  // must be told exactly what it indexed, so this runs before the rows change), one
  // puts the current values of every written row in. A per-row trigger would cost 4x
  // (design.md "Performance notes"). Tombstones change no indexed column: they stay
  // indexed, and queries filter them.
  void unindex_updated(const std::vector<RecordWrite>& writes) {
    fts_written.clear();
    fts_updated.clear();
    for (const auto& w : writes)
      if (w.row_id != 0) append_id(fts_updated, w.row_id);
    if (fts_updated.empty()) return;
    fts_updated += ']';
    run_with_ids(fts_unindex, fts_updated);
  }
  void note_written(int64_t row_id) { append_id(fts_written, row_id); }
  void index_written() {
    if (fts_written.empty()) return;
    fts_written += ']';
    run_with_ids(fts_index, fts_written);
    fts_written.clear();
  }

  // A source's first sync indexes its rows at the run's end instead (search_pending,
  // sql/0004_first_sync.sql): one statement over the source's rows.
  void index_whole_source(int64_t source_id) {
    for (auto* s : {&index_source, &unpend_source}) {
      s->reset();
      s->bind(1, source_id);
      s->exec();
      s->reset();
    }
  }

  SQLite::Statement fts_unindex, fts_index, index_source, unpend_source;
  std::string fts_updated, fts_written;  // JSON arrays of row ids, reused page after page

 private:
  static void append_id(std::string& json, int64_t id) {
    json += json.empty() ? '[' : ',';
    json += std::to_string(id);
  }
  static void run_with_ids(SQLite::Statement& s, const std::string& ids_json) {
    s.reset();
    s.bindNoCopy(1, ids_json);
    s.exec();
    s.reset();
  }
};

IndexWriter::IndexWriter(std::unique_ptr<SQLite::Database> db)
    : db_(std::move(db)), st_(std::make_unique<Statements>(*db_)), feed_(std::make_unique<ChangeFeed>(*db_)) {}

LinkStore& IndexWriter::links() {
  if (!links_) links_ = std::make_unique<LinkStore>(*db_, *feed_);
  return *links_;
}

void IndexWriter::set_notifier(ChangeNotifier* notifier) { feed_->set_notifier(notifier); }
ChangeNotifier* IndexWriter::notifier() const { return feed_->notifier(); }

Result<std::vector<RunHistoryRow>> IndexWriter::run_history(const std::string& source_name, int limit) {
  try {
    SQLite::Statement q(*db_,
                        "SELECT r.status, r.finished_ms, r.error, r.error_kind FROM runs r "
                        "JOIN sources s ON s.id = r.source_id "
                        "WHERE s.name = ?1 AND r.status NOT IN ('running', 'skipped') ORDER BY r.id DESC LIMIT ?2");
    q.bind(1, source_name);
    q.bind(2, limit);
    std::vector<RunHistoryRow> out;
    while (q.executeStep()) {
      RunHistoryRow r;
      r.failed = q.getColumn(0).getString() == "failed";
      if (!q.getColumn(1).isNull()) r.finished = from_ms(q.getColumn(1).getInt64());
      r.error = q.getColumn(2).isNull() ? "" : q.getColumn(2).getString();
      r.error_kind = q.getColumn(3).isNull() ? "" : q.getColumn(3).getString();
      out.push_back(std::move(r));
    }
    return out;
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: reading the run history: {}", describe(*db_, e)));
  }
}

Status IndexWriter::checkpoint() {
  try {
    db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return {};
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: WAL checkpoint: {}", describe(*db_, e)));
  }
}

// A first sync that did not reach its end (a crash, a kill) left its source's rows out
// of the search index: index them now, before any run, so that a search finds them.
void IndexWriter::index_pending_sources() {
  std::vector<int64_t> pending;
  SQLite::Statement q(*db_, "SELECT source_id FROM search_pending");
  while (q.executeStep()) pending.push_back(q.getColumn(0).getInt64());
  for (int64_t source_id : pending) {
    log_info("search index: adding the records of an interrupted first sync (source id {})", source_id);
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    st_->index_whole_source(source_id);
    tx.commit();
  }
}

IndexWriter::~IndexWriter() = default;

Result<std::unique_ptr<IndexWriter>> IndexWriter::open(const std::string& path) {
  auto db = open_database(path, OpenMode::read_write);
  if (!db) return db.error();
  try {
    std::unique_ptr<IndexWriter> writer(new IndexWriter(std::move(*db)));
    writer->index_pending_sources();
    return writer;
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("{}: {}", path, e.what()));
  }
}

Result<SourceRow> IndexWriter::ensure_source(const std::string& name, const std::string& type,
                                             TimePoint now) {
  try {
    SQLite::Statement ins(*db_,
                          "INSERT INTO sources (name, type, created_ms) VALUES (?1, ?2, ?3) "
                          "ON CONFLICT (name) DO UPDATE SET type = excluded.type");
    ins.bind(1, name);
    ins.bind(2, type);
    ins.bind(3, static_cast<int64_t>(to_ms(now)));
    ins.exec();
    SQLite::Statement q(*db_,
                        "SELECT s.id, s.watermark_ms, s.last_full_ms, c.page_token, "
                        " coalesce(c.pass_started_ms, r.started_ms), s.connector_state FROM sources s "
                        "LEFT JOIN cursors c ON c.source_id = s.id LEFT JOIN runs r ON r.id = c.run_id "
                        "WHERE s.name = ?1");
    q.bind(1, name);
    if (!q.executeStep()) return Error::internal("source row vanished");
    SourceRow row;
    row.id = q.getColumn(0).getInt64();
    if (!q.getColumn(1).isNull()) row.watermark = from_ms(q.getColumn(1).getInt64());
    if (!q.getColumn(2).isNull()) row.last_full = from_ms(q.getColumn(2).getInt64());
    if (!q.getColumn(3).isNull() && !q.getColumn(4).isNull())
      row.cursor = StoredCursor{q.getColumn(3).getString(), from_ms(q.getColumn(4).getInt64())};
    if (!q.getColumn(5).isNull()) row.connector_state = q.getColumn(5).getString();
    return row;
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: source {}: {}", name, describe(*db_, e)));
  }
}

Result<int64_t> IndexWriter::begin_run(int64_t source_id, SyncMode mode, TimePoint started) {
  try {
    SQLite::Statement defer(*db_,
                            "INSERT OR IGNORE INTO search_pending (source_id) SELECT ?1 "
                            "WHERE NOT EXISTS (SELECT 1 FROM records WHERE source_id = ?1)");
    defer.bind(1, source_id);
    if (defer.exec() > 0) search_pending_.insert(source_id);
    SQLite::Statement ins(*db_,
                          "INSERT INTO runs (source_id, mode, started_ms, status) "
                          "VALUES (?1, ?2, ?3, 'running')");
    ins.bind(1, source_id);
    ins.bind(2, to_string(mode));
    ins.bind(3, static_cast<int64_t>(to_ms(started)));
    ins.exec();
    return db_->getLastInsertRowid();
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: begin run: {}", describe(*db_, e)));
  }
}

Status IndexWriter::fail_abandoned_runs(int64_t source_id, TimePoint now, const std::string& error) {
  try {
    SQLite::Statement up(*db_,
                         "UPDATE runs SET status = 'failed', finished_ms = ?2, "
                         "error = coalesce(?3, 'interrupted: the process stopped during this run') "
                         "WHERE source_id = ?1 AND status = 'running'");
    up.bind(1, source_id);
    up.bind(2, static_cast<int64_t>(to_ms(now)));
    if (error.empty()) up.bind(3); else up.bind(3, error);
    up.exec();
    return {};
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: {}", describe(*db_, e)));
  }
}

Status IndexWriter::record_run_failure(int64_t run_id, const std::string& error, TimePoint finished) {
  try {
    SQLite::Statement up(*db_,
                         "UPDATE runs SET status = 'failed', error = ?2, finished_ms = ?3 WHERE id = ?1");
    up.bind(1, run_id);
    up.bind(2, error);
    up.bind(3, static_cast<int64_t>(to_ms(finished)));
    up.exec();
    return {};
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: recording the run's failure: {}", describe(*db_, e)));
  }
}

Result<long> IndexWriter::count_live(int64_t source_id) {
  try {
    SQLite::Statement q(*db_,
                        "SELECT count(*) FROM records WHERE source_id = ?1 AND deleted_ms IS NULL");
    q.bind(1, source_id);
    q.executeStep();
    return static_cast<long>(q.getColumn(0).getInt64());
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: {}", describe(*db_, e)));
  }
}

Status IndexWriter::lookup(int64_t source_id, const std::vector<Record>& records,
                           std::vector<StoredState>& out) {
  out.assign(records.size(), StoredState{});
  if (records.empty()) return {};
  ids_json_.clear();
  ids_json_ += '[';
  for (size_t i = 0; i < records.size(); ++i) {
    if (i) ids_json_ += ',';
    append_json_string(ids_json_, records[i].external_id);
  }
  ids_json_ += ']';
  try {
    auto& q = st_->lookup;
    q.reset();
    q.bindNoCopy(1, ids_json_);
    q.bind(2, source_id);
    while (q.executeStep()) {
      auto i = static_cast<size_t>(q.getColumn(0).getInt64());
      if (i >= out.size()) continue;
      auto& s = out[i];
      s.row_id = q.getColumn(1).getInt64();
      auto hash = q.getColumn(2);
      if (hash.getBytes() == 16) s.hash = Hash128::from_bytes(hash.getBlob());
      s.deleted = q.getColumn(3).getInt() != 0;
      s.remote_updated_ms = q.getColumn(4).getInt64();
    }
    q.reset();
    return {};
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: lookup: {}", describe(*db_, e)));
  }
}

namespace {

// Binds kind … merged_into and country, the columns insert and update share, from parameter `first` on.
void bind_content(SQLite::Statement& s, int first, const Record& r, const unsigned char* hash,
                  int64_t now_ms) {
  int i = first;
  s.bind(i++, to_string(r.kind));
  for (const std::string* text : {&r.name, &r.given_name, &r.family_name, &r.email, &r.phone,
                                  &r.company, &r.national_id})
    s.bindNoCopy(i++, *text);
  s.bind(i++, static_cast<int64_t>(to_ms(r.remote_updated_at)));
  s.bindNoCopy(i++, r.web_url);
  s.bindNoCopy(i++, r.extra);
  s.bind(i++, hash, 16);
  s.bind(i++, now_ms);
  if (r.deleted) s.bind(i++, now_ms); else s.bind(i++);
  s.bindNoCopy(i++, r.merged_into);
  s.bindNoCopy(i++, r.country);
}

}  // namespace

void IndexWriter::write_record(const PageCommit& page, const RecordWrite& w, bool search_deferred) {
  const Record& r = *w.record;
  unsigned char hash[16];
  w.hash.to_bytes(hash);
  auto now_ms = static_cast<int64_t>(to_ms(page.now));
  int64_t row_id = w.row_id;
  if (row_id == 0) {
    auto& s = st_->insert;
    s.reset();
    s.bind(1, page.source_id);
    s.bindNoCopy(2, r.external_id);
    s.bindNoCopy(3, page.crm_type.data(), static_cast<int>(page.crm_type.size()));
    bind_content(s, 4, r, hash, now_ms);
    s.exec();
    row_id = db_->getLastInsertRowid();
  } else {
    auto& s = st_->update;
    s.reset();
    s.bind(1, row_id);
    bind_content(s, 2, r, hash, now_ms);
    s.exec();
  }
  if (page.seen) page.seen->add(row_id);
  add_change(page, row_id, w.op);
  if (!search_deferred) st_->note_written(row_id);
}

void IndexWriter::add_change(const PageCommit& page, int64_t row_id, ChangeOp op) {
  feed_->append_record(page.source_id, row_id, to_string(op), to_ms(page.now), page.run_id);
}

void IndexWriter::tombstone(const PageCommit& page, int64_t row_id, const std::string& merged_into,
                            TimePoint at) {
  auto& t = st_->tombstone;
  t.reset();
  t.bind(1, row_id);
  t.bind(2, static_cast<int64_t>(to_ms(at)));
  t.bindNoCopy(3, merged_into);
  t.exec();
  add_change(page, row_id, ChangeOp::remove);
  if (page.counts) ++page.counts->deleted;
}

// A completed full pass deletes the live rows it did not see; with `confirm`, only those
// the previous full pass did not see either (unseen_once, sql/0004_first_sync.sql); the
// rest wait for the next full pass.
void IndexWriter::tombstone_unseen(const PageCommit& page, bool confirm) {
  std::vector<int64_t> unseen;
  SQLite::Statement live(*db_, "SELECT id FROM records WHERE source_id = ?1 AND deleted_ms IS NULL");
  live.bind(1, page.source_id);
  while (live.executeStep()) {
    int64_t id = live.getColumn(0).getInt64();
    if (!page.seen->contains(id)) unseen.push_back(id);
  }
  std::unordered_set<int64_t> missed_before;
  SQLite::Statement before(*db_, "SELECT record_id FROM unseen_once WHERE source_id = ?1");
  before.bind(1, page.source_id);
  while (before.executeStep()) missed_before.insert(before.getColumn(0).getInt64());
  SQLite::Statement forget(*db_, "DELETE FROM unseen_once WHERE source_id = ?1");
  forget.bind(1, page.source_id);
  forget.exec();
  SQLite::Statement remember(*db_, "INSERT INTO unseen_once (record_id, source_id) VALUES (?1, ?2)");
  static const std::string kNoMerge;
  for (int64_t id : unseen) {
    if (!confirm || missed_before.contains(id)) {
      tombstone(page, id, kNoMerge, page.now);
      continue;
    }
    remember.reset();
    remember.bind(1, id);
    remember.bind(2, page.source_id);
    remember.exec();
    if (page.counts) ++page.counts->unseen_once;
  }
}

// Deletions the CRM reported by id: the live row of each becomes a tombstone; ids the
// index does not hold, or holds deleted already, are nothing to do.
void IndexWriter::tombstone_deletions(const PageCommit& page, const std::vector<Deletion>& deletions) {
  for (const auto& d : deletions) {
    auto& f = st_->find_live;
    f.reset();
    f.bind(1, page.source_id);
    f.bindNoCopy(2, d.external_id);
    if (f.executeStep()) {
      int64_t row_id = f.getColumn(0).getInt64();
      f.reset();
      tombstone(page, row_id, d.merged_into, page.now);
    }
  }
}

void IndexWriter::apply_end(const PageCommit& page) {
  const RunEnd& end = *page.end;
  if (end.status == RunStatus::ok) {
    tombstone_deletions(page, end.deletions);
    if (end.tombstone_unseen && page.seen) tombstone_unseen(page, end.confirm_unseen);
    SQLite::Statement src(*db_,
                          "UPDATE sources SET watermark_ms = coalesce(?2, watermark_ms), "
                          "last_full_ms = CASE WHEN ?3 THEN ?4 ELSE last_full_ms END WHERE id = ?1");
    src.bind(1, page.source_id);
    if (end.new_watermark) src.bind(2, static_cast<int64_t>(to_ms(*end.new_watermark)));
    else src.bind(2);
    src.bind(3, end.full_pass_completed ? 1 : 0);
    src.bind(4, static_cast<int64_t>(to_ms(page.run_started)));
    src.exec();
  }
  SQLite::Statement run(*db_,
                        "UPDATE runs SET status = ?2, error = ?3, finished_ms = ?4, error_kind = ?5 WHERE id = ?1");
  run.bind(1, page.run_id);
  run.bind(2, to_string(end.status));
  if (end.error.empty()) run.bind(3); else run.bind(3, end.error);
  run.bind(4, static_cast<int64_t>(to_ms(page.now)));
  if (end.error_kind.empty()) run.bind(5); else run.bind(5, end.error_kind);
  run.exec();
  if (!end.keep_cursor) {
    SQLite::Statement cur(*db_, "DELETE FROM cursors WHERE source_id = ?1");
    cur.bind(1, page.source_id);
    cur.exec();
  }
}

const char* to_string(RepairOutcome o) {
  switch (o) {
    case RepairOutcome::unchanged: return "unchanged";
    case RepairOutcome::updated: return "updated";
    case RepairOutcome::deleted: return "deleted";
    case RepairOutcome::absent: return "absent";
  }
  return "?";
}

Result<RepairOutcome> IndexWriter::repair(const RecordRepair& repair) {
  feed_->discarded();
  try {
    SQLite::Statement src(*db_, "SELECT id FROM sources WHERE name = ?1");
    src.bind(1, repair.source);
    if (!src.executeStep()) return RepairOutcome::absent;
    const int64_t source_id = src.getColumn(0).getInt64();
    Record probe;
    probe.external_id = repair.external_id;
    std::vector<StoredState> stored;
    if (auto st = lookup(source_id, {probe}, stored); !st) return st.error();
    const StoredState& s = stored.at(0);
    if (s.row_id == 0) return RepairOutcome::absent;

    PageCommit page;
    page.source_id = source_id;
    page.crm_type = repair.crm_type;
    page.now = repair.now;
    RepairOutcome outcome = RepairOutcome::unchanged;
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    const bool search_deferred = search_pending_.contains(source_id);
    if (repair.record == nullptr) {
      if (!s.deleted) {
        tombstone(page, s.row_id, repair.merged_into, repair.now);
        outcome = RepairOutcome::deleted;
      }
    } else if (s.deleted || s.hash != repair.hash) {
      page.writes.push_back({repair.record, s.row_id, repair.hash, s.deleted ? ChangeOp::create : ChangeOp::update});
      if (!search_deferred) st_->unindex_updated(page.writes);
      write_record(page, page.writes.front(), search_deferred);
      if (!search_deferred) st_->index_written();
      outcome = RepairOutcome::updated;
    } else if (int64_t t = to_ms(repair.record->remote_updated_at); t != s.remote_updated_ms) {
      auto& touch = st_->touch;
      touch.reset();
      touch.bind(1, s.row_id);
      touch.bind(2, t);
      touch.exec();
    }
    tx.commit();
    feed_->published();
    return outcome;
  } catch (const std::exception& e) {
    feed_->discarded();
    return Error::internal(fmt::format("store: repair of a live read failed: {}", describe(*db_, e)));
  }
}

Status IndexWriter::commit(const PageCommit& page) {
  feed_->discarded();
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    const bool search_deferred = search_pending_.contains(page.source_id);
    if (!search_deferred) st_->unindex_updated(page.writes);
    for (const auto& w : page.writes) write_record(page, w, search_deferred);
    if (!search_deferred) st_->index_written();
    for (const auto& t : page.touches) {
      auto& s = st_->touch;
      s.reset();
      s.bind(1, t.row_id);
      s.bind(2, t.remote_updated_ms);
      s.exec();
    }
    if (page.deletions) tombstone_deletions(page, *page.deletions);
    if (page.connector_state) {
      SQLite::Statement up(*db_, "UPDATE sources SET connector_state = ?2 WHERE id = ?1");
      up.bind(1, page.source_id);
      up.bindNoCopy(2, *page.connector_state);
      up.exec();
    }
    if (page.end) {
      apply_end(page);
      if (search_deferred) st_->index_whole_source(page.source_id);
    } else {
      auto& c = st_->cursor;
      c.reset();
      c.bind(1, page.source_id);
      c.bind(2, page.run_id);
      if (page.next_token) c.bindNoCopy(3, *page.next_token); else c.bind(3);
      c.bind(4, static_cast<int64_t>(page.counts ? page.counts->pages : 0));
      c.bind(5, static_cast<int64_t>(to_ms(page.now)));
      c.bind(6, static_cast<int64_t>(to_ms(page.run_started)));
      c.exec();
    }
    if (page.counts) {
      const RunCounts& n = *page.counts;
      auto& u = st_->run_counts;
      u.reset();
      u.bind(1, page.run_id);
      u.bind(2, static_cast<int64_t>(n.pages));
      u.bind(3, static_cast<int64_t>(n.fetched));
      u.bind(4, static_cast<int64_t>(n.created));
      u.bind(5, static_cast<int64_t>(n.updated));
      u.bind(6, static_cast<int64_t>(n.unchanged));
      u.bind(7, static_cast<int64_t>(n.deleted));
      u.bind(8, static_cast<int64_t>(n.skipped));
      u.bind(9, static_cast<int64_t>(n.touched));
      u.exec();
    }
    tx.commit();
    if (page.end && search_deferred) search_pending_.erase(page.source_id);
    feed_->published();
    return {};
  } catch (const std::exception& e) {
    // The transaction rolled back: nothing of this page is in the index.
    feed_->discarded();
    return Error::internal(fmt::format("store: commit failed: {}", describe(*db_, e)));
  }
}

Result<uint64_t> IndexWriter::stream_position(const std::string& stream) {
  try {
    SQLite::Statement q(*db_, "SELECT seq FROM stream_positions WHERE stream = ?1");
    q.bind(1, stream);
    return q.executeStep() ? static_cast<uint64_t>(q.getColumn(0).getInt64()) : uint64_t{0};
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: stream position: {}", describe(*db_, e)));
  }
}

Status IndexWriter::set_stream_position(const std::string& stream, uint64_t seq) {
  try {
    SQLite::Statement pos(*db_,
                          "INSERT INTO stream_positions (stream, seq) VALUES (?1, ?2) "
                          "ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq");
    pos.bind(1, stream);
    pos.bind(2, static_cast<int64_t>(seq));
    pos.exec();
    return {};
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: stream position: {}", describe(*db_, e)));
  }
}

void IndexWriter::apply_replicated_source(const ReplicatedSource& source, TimePoint now, ReplicatedCounts& counts) {
  SQLite::Statement find(*db_, "SELECT id FROM sources WHERE name = ?1");
  find.bind(1, source.name);
  int64_t source_id = 0;
  if (find.executeStep()) {
    source_id = find.getColumn(0).getInt64();
  } else {
    SQLite::Statement add(*db_, "INSERT INTO sources (name, type, created_ms) VALUES (?1, ?2, ?3)");
    add.bind(1, source.name);
    add.bind(2, source.crm_type);
    add.bind(3, static_cast<int64_t>(to_ms(now)));
    add.exec();
    source_id = db_->getLastInsertRowid();
  }
  std::vector<StoredState> stored;
  if (auto st = lookup(source_id, source.records, stored); !st) throw std::runtime_error(st.error().message);

  PageCommit page;
  page.source_id = source_id;
  page.crm_type = source.crm_type;
  page.now = now;
  std::vector<size_t> tombstones;  // of live rows
  for (size_t i = 0; i < source.records.size(); ++i) {
    const Record& r = source.records[i];
    const StoredState& s = stored[i];
    if (r.deleted) {
      if (s.row_id == 0) {
        page.writes.push_back({&r, 0, source.hashes[i], ChangeOp::remove});
      } else if (!s.deleted) {
        tombstones.push_back(i);
      } else {
        ++counts.unchanged;
      }
    } else if (s.row_id == 0 || s.deleted) {
      page.writes.push_back({&r, s.row_id, source.hashes[i], ChangeOp::create});
    } else if (s.hash != source.hashes[i]) {
      page.writes.push_back({&r, s.row_id, source.hashes[i], ChangeOp::update});
    } else {
      ++counts.unchanged;
      if (int64_t t = to_ms(r.remote_updated_at); t != s.remote_updated_ms) page.touches.push_back({s.row_id, t});
    }
  }
  const bool search_deferred = search_pending_.contains(source_id);
  if (!search_deferred) st_->unindex_updated(page.writes);
  for (const auto& w : page.writes) {
    write_record(page, w, search_deferred);
    ++(w.op == ChangeOp::create ? counts.created : w.op == ChangeOp::update ? counts.updated : counts.deleted);
  }
  if (!search_deferred) st_->index_written();
  for (const auto& t : page.touches) {
    auto& q = st_->touch;
    q.reset();
    q.bind(1, t.row_id);
    q.bind(2, t.remote_updated_ms);
    q.exec();
  }
  for (size_t i : tombstones) {
    tombstone(page, stored[i].row_id, source.records[i].merged_into, now);
    ++counts.deleted;
  }
}

Result<ReplicatedCounts> IndexWriter::apply_replicated(const ReplicatedBatch& batch) {
  feed_->discarded();
  try {
    ReplicatedCounts counts;
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    for (const ReplicatedSource& source : batch.sources) apply_replicated_source(source, batch.now, counts);
    SQLite::Statement pos(*db_,
                          "INSERT INTO stream_positions (stream, seq) VALUES (?1, ?2) "
                          "ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq");
    pos.bind(1, batch.stream);
    pos.bind(2, static_cast<int64_t>(batch.last_seq));
    pos.exec();
    tx.commit();
    feed_->published();
    return counts;
  } catch (const std::exception& e) {
    feed_->discarded();
    return Error::internal(fmt::format("store: applying replicated record states failed: {}", describe(*db_, e)));
  }
}

}  // namespace crm
