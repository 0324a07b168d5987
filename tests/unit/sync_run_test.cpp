// Sync semantics against a real SQLite file and an in-memory CRM (design.md "Sync
// semantics"): watermark rule, overlap, equal timestamps, edits during paging, full-pass
// tombstones, the delete guard, failures that must not move the watermark.
#include <doctest/doctest.h>

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <filesystem>
#include <functional>
#include <map>

#include "store/database.h"
#include "store/index_reader.h"
#include "store/index_writer.h"
#include "sync/sync_run.h"

using namespace crm;
using namespace std::chrono_literals;

namespace {

// A CRM in memory: keyset paging on (modified, id), `>=` filter, page size 3.
class MemoryCrm final : public Connector {
 public:
  struct Row { std::string name; std::string email; TimePoint modified; };
  std::map<std::string, Row> rows;
  int page_size = 3;
  int calls = 0;
  int fail_on_call = -1;                   // that call returns fail_error
  Error fail_error = Error::transient("HTTP 503: try later");
  bool resumable_tokens = false;           // Connector::resumable
  std::function<void(int call)> after_call;  // mutate the CRM while the run pages
  std::vector<Cursor> cursors;
  // Connector state: `state_after` goes with the last page of every run; a stored state
  // equal to `refused_state` makes an incremental run ask for a full pass.
  std::string state_after;
  std::string refused_state = "<expired>";
  std::vector<std::string> inline_deletions;  // reported by id on the next first page

  bool resumable() const override { return resumable_tokens; }

  Result<Page> next_page(const Cursor& cursor) override {
    ++calls;
    cursors.push_back(cursor);
    if (calls == fail_on_call) return fail_error;
    if (cursor.mode == SyncMode::incremental && cursor.state == refused_state) {
      Page refused;
      refused.needs_full_pass = "the delta token expired";
      return refused;
    }
    std::vector<std::pair<TimePoint, std::string>> order;
    for (auto& [id, r] : rows)
      if (!cursor.since || r.modified >= *cursor.since) order.emplace_back(r.modified, id);
    std::sort(order.begin(), order.end());
    size_t offset = cursor.page_token ? std::stoul(*cursor.page_token) : 0;
    Page page;
    for (size_t i = offset; i < order.size() && i < offset + page_size; ++i) {
      const Row& r = rows[order[i].second];
      Record rec;
      rec.external_id = order[i].second;
      rec.name = r.name;
      rec.email = r.email;
      rec.remote_updated_at = r.modified;
      if (!page.high_water || r.modified > *page.high_water) page.high_water = r.modified;
      page.records.push_back(rec);
    }
    if (offset + page_size < order.size()) page.next = std::to_string(offset + page_size);
    else if (!state_after.empty()) page.state = state_after;
    if (!cursor.page_token) {
      for (auto& id : inline_deletions) page.deletions.push_back(Deletion{id, {}, {}});
      inline_deletions.clear();
    }
    if (after_call) after_call(calls);
    return page;
  }
};

struct Fixture {
  std::filesystem::path dir;
  std::string db_path;
  SourceConfig source;
  FakeClock clock{from_ms(1'800'000'000'000)};
  MemoryCrm crm;
  std::unique_ptr<IndexWriter> writer;
  // What the tests look at, through a connection of their own: the writer's SQL is its own.
  std::unique_ptr<SQLite::Database> side;
  SQLite::Database& db() { return *side; }

  Fixture() {
    dir = std::filesystem::temp_directory_path() /
          ("crm-sync-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(dir);
    db_path = (dir / "index.db").string();
    source.name = "mem";
    source.type = "rest";
    source.settings.overlap = 5min;
    auto w = IndexWriter::open(db_path);
    REQUIRE(w);
    writer = std::move(*w);
    auto side_db = open_database(db_path, OpenMode::read_write);  // with fold() for the search view
    REQUIRE(side_db);
    side = std::move(*side_db);
  }
  ~Fixture() {
    side.reset();
    writer.reset();
    std::filesystem::remove_all(dir);
  }
  static int& counter() { static int n = 0; return n; }

  void put(const std::string& id, const std::string& name, TimePoint modified) {
    crm.rows[id] = {name, id + "@example.com", modified};
  }
  RunSummary sync(bool full = false) {
    SyncRun run(source, "rest", crm, *writer, clock);
    return run.run(full);
  }
  std::optional<TimePoint> watermark() {
    SQLite::Statement q(db(), "SELECT watermark_ms FROM sources WHERE name = 'mem'");
    if (!q.executeStep() || q.getColumn(0).isNull()) return std::nullopt;
    return from_ms(q.getColumn(0).getInt64());
  }
  // Counts every INSERT and UPDATE on records from now on (triggers in the test's file
  // only, made on the side connection: the writer's statements fire them too).
  void count_record_writes() {
    auto& d = db();
    d.exec("CREATE TABLE IF NOT EXISTS record_writes (n INTEGER)");
    d.exec("DELETE FROM record_writes");
    d.exec("CREATE TRIGGER IF NOT EXISTS rw_ins AFTER INSERT ON records BEGIN INSERT INTO record_writes VALUES (1); END");
    d.exec("CREATE TRIGGER IF NOT EXISTS rw_upd AFTER UPDATE ON records BEGIN INSERT INTO record_writes VALUES (1); END");
  }
  long record_writes() { return db().execAndGet("SELECT count(*) FROM record_writes").getInt64(); }
  long changes() { return db().execAndGet("SELECT count(*) FROM changes").getInt64(); }
  std::map<std::string, std::string> index(bool with_deleted = false) {
    std::map<std::string, std::string> out;
    SQLite::Statement q(db(), "SELECT external_id, name, deleted_ms IS NOT NULL FROM records");
    while (q.executeStep())
      if (with_deleted || q.getColumn(2).getInt() == 0)
        out[q.getColumn(0).getString()] = q.getColumn(1).getString();
    return out;
  }
  std::map<std::string, std::string> truth() {
    std::map<std::string, std::string> out;
    for (auto& [id, r] : crm.rows) out[id] = r.name;
    return out;
  }
};

}  // namespace

TEST_CASE("first run is a full pass that stores everything; a no-op run writes nothing") {
  Fixture f;
  TimePoint t0 = f.clock.now() - 1h;
  for (int i = 1; i <= 10; ++i) f.put(std::to_string(i), "n" + std::to_string(i), t0 + std::chrono::seconds(i / 3));
  auto s = f.sync();
  CHECK(s.status == RunStatus::ok);
  CHECK(s.mode == SyncMode::full);
  CHECK(s.counts.created == 10);
  CHECK(s.counts.pages == 4);
  CHECK(f.index() == f.truth());
  // Watermark = min(run start, highest remote time seen).
  CHECK(f.watermark() == t0 + 3s);

  f.clock.advance(1min);
  long before = f.changes();
  f.count_record_writes();
  auto s2 = f.sync();
  CHECK(s2.status == RunStatus::ok);
  CHECK(s2.mode == SyncMode::incremental);
  CHECK(s2.counts.created + s2.counts.updated + s2.counts.deleted == 0);
  CHECK(f.changes() == before);
  // Only bookkeeping rows (runs, sources, cursors) were written: no record row.
  SQLite::Statement q(f.db(), "SELECT max(changed_ms) FROM records");
  q.executeStep();
  CHECK(q.getColumn(0).getInt64() < to_ms(f.clock.now() - 30s));
  CHECK(f.record_writes() == 0);
}

TEST_CASE("incremental asks from watermark minus overlap, with >=, and picks up exactly the changes") {
  Fixture f;
  TimePoint t0 = f.clock.now() - 1h;
  for (int i = 1; i <= 9; ++i) f.put(std::to_string(i), "n", t0);
  REQUIRE(f.sync().status == RunStatus::ok);
  f.clock.advance(1min);
  // Two edits with the SAME timestamp as the watermark: the boundary where pollers lose records.
  f.put("3", "changed", t0);
  f.put("10", "new", t0);
  auto s = f.sync();
  CHECK(s.mode == SyncMode::incremental);
  REQUIRE(f.crm.cursors.back().since.has_value());
  CHECK(*f.crm.cursors.back().since == t0 - 5min);
  CHECK(s.counts.created == 1);
  CHECK(s.counts.updated == 1);
  CHECK(f.index() == f.truth());
}

TEST_CASE("records edited while the run pages are read again by the next run") {
  Fixture f;
  TimePoint t0 = f.clock.now() - 1h;
  for (int i = 1; i <= 9; ++i) f.put(std::to_string(i), "n", t0 + std::chrono::seconds(i));
  REQUIRE(f.sync().status == RunStatus::ok);
  f.clock.advance(10min);
  TimePoint run_start = f.clock.now();
  for (int i = 1; i <= 9; ++i) f.put(std::to_string(i), "v2", run_start - 2min + std::chrono::seconds(i));
  // After the first page, record 2 (already read) is edited again: it moves behind the
  // cursor with a time AFTER the run start, so this run may miss it; the next must not.
  int first_call = f.crm.calls;
  f.crm.after_call = [&](int call) {
    if (call == first_call + 1) f.put("2", "v3", run_start + 30s);
  };
  auto s = f.sync();
  REQUIRE(s.status == RunStatus::ok);
  f.crm.after_call = nullptr;
  CHECK(f.watermark() <= run_start);
  f.clock.advance(5min);
  REQUIRE(f.sync().status == RunStatus::ok);
  CHECK(f.index() == f.truth());
  CHECK(f.index()["2"] == "v3");
}

TEST_CASE("a failed run keeps the old watermark and the next run repairs the index") {
  Fixture f;
  TimePoint t0 = f.clock.now() - 1h;
  for (int i = 1; i <= 9; ++i) f.put(std::to_string(i), "n", t0);
  REQUIRE(f.sync().status == RunStatus::ok);
  auto wm = f.watermark();
  f.clock.advance(1min);
  for (int i = 1; i <= 9; ++i) f.put(std::to_string(i), "v2", f.clock.now() - 10s);
  f.crm.fail_on_call = f.crm.calls + 2;  // second page of the next run fails
  auto s = f.sync();
  CHECK(s.status == RunStatus::failed);
  CHECK(s.error.find("503") != std::string::npos);
  CHECK(f.watermark() == wm);
  CHECK(s.counts.updated == 3);  // the first page was committed
  f.crm.fail_on_call = -1;
  f.clock.advance(1min);
  REQUIRE(f.sync().status == RunStatus::ok);
  CHECK(f.index() == f.truth());
  auto reader = IndexReader::open(f.db_path);
  REQUIRE(reader);
  auto st = (*reader)->sources();
  REQUIRE(st);
  REQUIRE(st->size() == 1);
  CHECK((*st)[0].last_run->status == "ok");
}

TEST_CASE("a completed full pass tombstones what it did not see; the delete guard stops a mass delete") {
  Fixture f;
  TimePoint t0 = f.clock.now() - 1h;
  for (int i = 1; i <= 10; ++i) f.put(std::to_string(i), "n", t0);
  REQUIRE(f.sync().status == RunStatus::ok);
  f.crm.rows.erase("4");
  f.crm.rows.erase("7");
  f.clock.advance(1min);
  long changes_before = f.changes();
  f.count_record_writes();
  auto s = f.sync(/*full=*/true);
  CHECK(s.status == RunStatus::ok);
  CHECK(s.counts.deleted == 2);
  CHECK(s.counts.unchanged == 8);
  CHECK(f.changes() == changes_before + 2);
  CHECK(f.record_writes() == 2);  // the two tombstones; unchanged records cost no write
  CHECK(f.index() == f.truth());
  CHECK(f.index(true).size() == 10);  // tombstones, never silently dropped

  // The CRM suddenly returns 3 of 8 live records: below the 50% guard.
  for (int i : {1, 2, 3, 5, 6}) f.crm.rows.erase(std::to_string(i));
  f.clock.advance(1min);
  auto wm = f.watermark();
  auto g = f.sync(true);
  CHECK(g.status == RunStatus::failed);
  CHECK(g.error.find("delete guard") != std::string::npos);
  CHECK(g.counts.deleted == 0);
  CHECK(f.index().size() == 8);
  CHECK(f.watermark() == wm);
}

TEST_CASE("a failed full pass deletes nothing") {
  Fixture f;
  TimePoint t0 = f.clock.now() - 1h;
  for (int i = 1; i <= 9; ++i) f.put(std::to_string(i), "n", t0);
  REQUIRE(f.sync().status == RunStatus::ok);
  f.crm.rows.erase("9");
  f.crm.fail_on_call = f.crm.calls + 3;
  auto s = f.sync(true);
  CHECK(s.status == RunStatus::failed);
  CHECK(f.index().size() == 9);
}

TEST_CASE("a record deleted and then seen again comes back") {
  Fixture f;
  TimePoint t0 = f.clock.now() - 1h;
  for (int i = 1; i <= 4; ++i) f.put(std::to_string(i), "n", t0);
  REQUIRE(f.sync().status == RunStatus::ok);
  auto row = f.crm.rows["2"];
  f.crm.rows.erase("2");
  REQUIRE(f.sync(true).status == RunStatus::ok);
  CHECK(f.index().count("2") == 0);
  f.crm.rows["2"] = row;
  auto s = f.sync(true);
  CHECK(s.counts.created == 1);
  CHECK(f.index() == f.truth());
}

namespace {

// Through a connection of their own: the writer's SQL is its own.
long search_hits(const std::string& path, const std::string& term) {
  auto db = open_database(path, OpenMode::read_only);
  REQUIRE(db);
  SQLite::Statement q(**db, "SELECT count(*) FROM records_fts WHERE records_fts MATCH ?1");
  q.bind(1, term);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

// FTS5 checks its index against the external content table (records) row by row.
void check_search_index_matches_records(const std::string& path) {
  auto db = open_database(path, OpenMode::read_write);
  REQUIRE(db);
  CHECK_NOTHROW((*db)->exec("INSERT INTO records_fts (records_fts) VALUES ('integrity-check')"));
}

}  // namespace

TEST_CASE("a first sync indexes its records for search at its end; later runs keep the index current") {
  Fixture f;
  TimePoint t0 = f.clock.now() - 1h;
  for (int i = 1; i <= 10; ++i) f.put(std::to_string(i), "alpha" + std::to_string(i), t0);
  // Seen while the first sync pages: its rows are not searchable yet. The connector runs
  // on the prefetch thread, so it reads through a connection of its own, as the API does.
  long hits_during = -1;
  f.crm.after_call = [&](int call) {
    if (call != 2) return;
    SQLite::Database reader(f.db_path, SQLite::OPEN_READONLY);
    SQLite::Statement q(reader, "SELECT count(*) FROM records_fts WHERE records_fts MATCH 'alpha1'");
    q.executeStep();
    hits_during = q.getColumn(0).getInt64();
  };
  REQUIRE(f.sync().status == RunStatus::ok);
  CHECK(hits_during == 0);
  CHECK(search_hits(f.db_path, "alpha1") == 1);
  check_search_index_matches_records(f.db_path);

  f.crm.after_call = nullptr;
  f.clock.advance(1min);
  f.put("3", "gamma", f.clock.now() - 10s);
  f.put("11", "delta", f.clock.now() - 10s);
  REQUIRE(f.sync().status == RunStatus::ok);
  CHECK(search_hits(f.db_path, "alpha3") == 0);
  CHECK(search_hits(f.db_path, "gamma") == 1);
  CHECK(search_hits(f.db_path, "delta") == 1);
  check_search_index_matches_records(f.db_path);
}

TEST_CASE("a first sync that fails still indexes what it stored; one cut short by a crash is indexed at the next open") {
  Fixture f;
  TimePoint t0 = f.clock.now() - 1h;
  for (int i = 1; i <= 9; ++i) f.put(std::to_string(i), "beta" + std::to_string(i), t0);
  f.crm.fail_on_call = 2;
  REQUIRE(f.sync().status == RunStatus::failed);
  CHECK(search_hits(f.db_path, "beta1") == 1);
  check_search_index_matches_records(f.db_path);

  // A crash: a second source's first run writes a page, and the process dies before
  // the run's end.
  auto src = f.writer->ensure_source("other", "rest", f.clock.now());
  REQUIRE(src);
  auto run = f.writer->begin_run(src->id, SyncMode::full, f.clock.now());
  REQUIRE(run);
  Record r;
  r.external_id = "x1";
  r.name = "omega";
  r.remote_updated_at = t0;
  PageCommit page;
  page.source_id = src->id;
  page.run_id = *run;
  page.crm_type = "rest";
  page.now = f.clock.now();
  page.writes.push_back(RecordWrite{&r, 0, Hash128{}, ChangeOp::create});
  REQUIRE(f.writer->commit(page));
  CHECK(search_hits(f.db_path, "omega") == 0);
  f.writer.reset();
  auto reopened = IndexWriter::open(f.db_path);
  REQUIRE(reopened);
  f.writer = std::move(*reopened);
  CHECK(search_hits(f.db_path, "omega") == 1);
  CHECK(f.db().execAndGet("SELECT count(*) FROM search_pending").getInt64() == 0);
  check_search_index_matches_records(f.db_path);
}

TEST_CASE("a record whose CRM moved only its modification time gets that time and nothing else") {
  Fixture f;
  TimePoint t0 = f.clock.now() - 1h;
  for (int i = 1; i <= 6; ++i) f.put(std::to_string(i), "n" + std::to_string(i), t0);
  REQUIRE(f.sync().status == RunStatus::ok);
  auto remote_ms = [&](const std::string& id) {
    SQLite::Statement q(f.db(), "SELECT remote_updated_ms, changed_ms, hash FROM records WHERE external_id = ?1");
    q.bind(1, id);
    REQUIRE(q.executeStep());
    return std::make_tuple(q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getString());
  };
  auto [before_ms, changed_before, hash_before] = remote_ms("2");
  CHECK(before_ms == to_ms(t0));

  // A merge survivor, a save of the same value, an edit of an unmapped field: same
  // mapped fields, a newer modification time.
  f.clock.advance(10min);
  TimePoint touched_at = f.clock.now() - 1min;
  f.crm.rows["2"].modified = touched_at;
  f.crm.rows["5"].modified = touched_at;
  long feed = f.changes();
  f.count_record_writes();
  auto s = f.sync();
  REQUIRE(s.status == RunStatus::ok);
  CHECK(s.counts.touched == 2);
  CHECK(s.counts.updated == 0);
  CHECK(s.counts.unchanged == s.counts.fetched);
  CHECK(f.record_writes() == 2);  // the time column of each, nothing else
  CHECK(f.changes() == feed);     // a touch is no change-feed event
  auto [after_ms, changed_after, hash_after] = remote_ms("2");
  CHECK(after_ms == to_ms(touched_at));
  CHECK(changed_after == changed_before);
  CHECK(hash_after == hash_before);
  CHECK(std::get<0>(remote_ms("5")) == to_ms(touched_at));
  CHECK(std::get<0>(remote_ms("1")) == to_ms(t0));
  // The search index is untouched and still agrees with its content table.
  CHECK_NOTHROW(f.db().exec("INSERT INTO records_fts (records_fts, rank) VALUES ('integrity-check', 1)"));

  // A full pass over data that did not change writes no row at all.
  f.clock.advance(1min);
  f.count_record_writes();
  auto full = f.sync(true);
  REQUIRE(full.status == RunStatus::ok);
  CHECK(full.counts.touched == 0);
  CHECK(f.record_writes() == 0);
  CHECK(f.changes() == feed);
  SQLite::Statement run(f.db(), "SELECT touched FROM runs WHERE id = ?1");
  run.bind(1, s.run_id);
  REQUIRE(run.executeStep());
  CHECK(run.getColumn(0).getInt64() == 2);
}

TEST_CASE("connector state: stored with its page, handed back after a restart; unusable, a full pass follows") {
  Fixture f;
  TimePoint t0 = f.clock.now() - 1h;
  for (int i = 1; i <= 7; ++i) f.put(std::to_string(i), "n" + std::to_string(i), t0);
  f.crm.state_after = "links-1";
  REQUIRE(f.sync().status == RunStatus::ok);
  CHECK_FALSE(f.crm.cursors.front().state);
  auto stored = [&] {
    return f.db().execAndGet("SELECT coalesce(connector_state, '') FROM sources").getString();
  };
  CHECK(stored() == "links-1");

  // A new writer (a restart) hands the stored state to every page of the next run.
  f.writer.reset();
  auto reopened = IndexWriter::open(f.db_path);
  REQUIRE(reopened);
  f.writer = std::move(*reopened);
  f.crm.cursors.clear();
  f.crm.state_after = "links-2";
  f.clock.advance(1min);
  auto inc = f.sync();
  REQUIRE(inc.status == RunStatus::ok);
  CHECK(inc.mode == SyncMode::incremental);
  for (const auto& c : f.crm.cursors) CHECK(c.state == std::optional<std::string>("links-1"));
  CHECK(stored() == "links-2");

  // A failed run keeps the state of the pages it committed, not more.
  f.crm.cursors.clear();
  f.crm.state_after = "links-3";
  f.crm.fail_on_call = f.crm.calls + 1;
  f.clock.advance(1min);
  CHECK(f.sync().status == RunStatus::failed);
  CHECK(stored() == "links-2");
  f.crm.fail_on_call = -1;

  // The CRM no longer takes the state: that run fails with the reason and a full pass
  // (which deletes what the CRM lost meanwhile) follows at once.
  f.crm.rows.erase("3");
  f.db().exec("UPDATE sources SET connector_state = '<expired>'");
  f.crm.cursors.clear();
  f.clock.advance(1min);
  auto s = f.sync();
  CHECK(s.status == RunStatus::ok);
  CHECK(s.mode == SyncMode::full);
  CHECK(s.counts.deleted == 1);
  CHECK(f.index() == f.truth());
  CHECK(stored() == "links-3");
  REQUIRE(f.crm.cursors.size() >= 2);
  CHECK(f.crm.cursors[0].mode == SyncMode::incremental);
  CHECK(f.crm.cursors[1].mode == SyncMode::full);
  SQLite::Statement runs(f.db(), "SELECT mode, status, error FROM runs ORDER BY id DESC LIMIT 2");
  REQUIRE(runs.executeStep());
  CHECK(runs.getColumn(0).getString() == "full");
  CHECK(runs.getColumn(1).getString() == "ok");
  REQUIRE(runs.executeStep());
  CHECK(runs.getColumn(0).getString() == "incremental");
  CHECK(runs.getColumn(1).getString() == "failed");
  CHECK(runs.getColumn(2).getString() == "the delta token expired");
}

TEST_CASE("deletions a page reports by id are tombstones at once, keeping the record's fields") {
  Fixture f;
  TimePoint t0 = f.clock.now() - 1h;
  for (int i = 1; i <= 5; ++i) f.put(std::to_string(i), "n" + std::to_string(i), t0);
  REQUIRE(f.sync().status == RunStatus::ok);
  f.crm.rows.erase("4");
  f.crm.inline_deletions = {"4", "never-indexed"};
  f.clock.advance(1min);
  auto s = f.sync();
  REQUIRE(s.status == RunStatus::ok);
  CHECK(s.mode == SyncMode::incremental);
  CHECK(s.counts.deleted == 1);
  CHECK(f.index() == f.truth());
  CHECK(f.index(true).at("4") == "n4");
  SQLite::Statement feed(f.db(), "SELECT op FROM changes ORDER BY seq DESC LIMIT 1");
  REQUIRE(feed.executeStep());
  CHECK(feed.getColumn(0).getString() == "delete");
}

namespace {

std::string last_run_column(Fixture& f, const char* column) {
  SQLite::Statement q(f.db(), fmt::format("SELECT coalesce({}, '') FROM runs ORDER BY id DESC LIMIT 1", column));
  REQUIRE(q.executeStep());
  return q.getColumn(0).getString();
}

long cursor_rows(Fixture& f) { return f.db().execAndGet("SELECT count(*) FROM cursors").getInt64(); }

}  // namespace

TEST_CASE("a failed run carries the connector's Error: kind and the CRM's Retry-After") {
  Fixture f;
  for (int i = 1; i <= 5; ++i) f.put(std::to_string(i), "n", f.clock.now() - 1h);
  f.crm.fail_on_call = 1;
  f.crm.fail_error = Error::transient("HTTP 429: slow down");
  f.crm.fail_error.retry_after_s = 120;
  auto s = f.sync();
  CHECK(s.status == RunStatus::failed);
  REQUIRE(s.failure.has_value());
  CHECK(s.failure->kind == ErrorKind::transient);
  CHECK(s.failure->retry_after_s == 120);
  CHECK(s.error == "HTTP 429: slow down");
  CHECK(last_run_column(f, "error_kind") == "transient");

  f.crm.calls = 0;
  f.crm.fail_error = Error::auth("HTTP 401: invalid token");
  auto a = f.sync();
  REQUIRE(a.failure.has_value());
  CHECK(a.failure->kind == ErrorKind::auth);
  CHECK(last_run_column(f, "error_kind") == "auth");

  f.crm.fail_on_call = -1;
  CHECK(f.sync().status == RunStatus::ok);
  CHECK(last_run_column(f, "error_kind").empty());
}

TEST_CASE("a connector's skip before the first page is a skipped run, not a failure") {
  Fixture f;
  for (int i = 1; i <= 5; ++i) f.put(std::to_string(i), "n", f.clock.now() - 1h);
  f.crm.fail_on_call = 1;
  f.crm.fail_error = Error::skipped("daily API requests low: run skipped");
  auto s = f.sync();
  CHECK(s.status == RunStatus::skipped);
  CHECK(s.error == "daily API requests low: run skipped");
  CHECK(last_run_column(f, "status") == "skipped");
  CHECK(last_run_column(f, "error_kind").empty());
  CHECK_FALSE(f.watermark().has_value());
  CHECK(f.index().empty());
}

TEST_CASE("an interrupted first sync resumes from its stored cursor and tombstones nothing") {
  Fixture f;
  const TimePoint t0 = f.clock.now() - 1h;
  for (int i = 1; i <= 10; ++i) f.put(fmt::format("{:02}", i), "n" + std::to_string(i), t0 + std::chrono::seconds(i));
  f.crm.resumable_tokens = true;
  f.crm.fail_on_call = 3;  // pages 1 and 2 (six records) are committed, then the CRM fails
  const TimePoint first_start = f.clock.now();
  auto s1 = f.sync();
  CHECK(s1.status == RunStatus::failed);
  CHECK(s1.counts.pages == 2);
  CHECK(f.index().size() == 6);
  CHECK(cursor_rows(f) == 1);  // kept for the next run

  f.clock.advance(10min);
  f.crm.fail_on_call = -1;
  f.crm.cursors.clear();
  auto s2 = f.sync();
  CHECK(s2.status == RunStatus::ok);
  CHECK(s2.resumed);
  CHECK(s2.mode == SyncMode::full);
  REQUIRE(!f.crm.cursors.empty());
  CHECK(f.crm.cursors.front().page_token == std::optional<std::string>("6"));  // not from zero
  CHECK(s2.counts.pages == 2);
  CHECK(s2.counts.created == 4);
  CHECK(s2.counts.deleted == 0);  // the first process's records were not in this seen-set
  CHECK(f.index() == f.truth());
  CHECK(f.index(true) == f.truth());
  CHECK(cursor_rows(f) == 0);
  // The pass began with the first run: last_full and the watermark cannot be later.
  SQLite::Statement q(f.db(), "SELECT last_full_ms, watermark_ms FROM sources");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getInt64() == to_ms(first_start));
  CHECK(q.getColumn(1).getInt64() <= to_ms(first_start));

  // Done: later runs are ordinary incremental ones.
  f.clock.advance(1min);
  f.crm.cursors.clear();
  auto s3 = f.sync();
  CHECK(s3.mode == SyncMode::incremental);
  CHECK_FALSE(s3.resumed);
}

namespace {

// Ten records, pages of three: the first run commits two pages, then the CRM fails.
void interrupted_first_sync(Fixture& f, bool resumable) {
  for (int i = 1; i <= 10; ++i) f.put(fmt::format("{:02}", i), "n", f.clock.now() - 1h);
  f.crm.resumable_tokens = resumable;
  f.crm.fail_on_call = 3;
  CHECK(f.sync().status == RunStatus::failed);
}

// A run that works and reads from the first page.
void check_sync_from_zero(Fixture& f) {
  f.crm.fail_on_call = -1;
  f.crm.cursors.clear();
  auto s = f.sync();
  CHECK(s.status == RunStatus::ok);
  CHECK_FALSE(s.resumed);
  REQUIRE(!f.crm.cursors.empty());
  CHECK_FALSE(f.crm.cursors.front().page_token.has_value());
  CHECK(f.index() == f.truth());
}

}  // namespace

TEST_CASE("a first sync restarts from zero when the connector's tokens do not outlive a process") {
  Fixture f;
  interrupted_first_sync(f, false);
  CHECK(cursor_rows(f) == 0);
  check_sync_from_zero(f);
}

TEST_CASE("a resumed first sync whose stored token fails at once starts over next time") {
  Fixture f;
  interrupted_first_sync(f, true);
  f.crm.calls = 0;
  f.crm.fail_on_call = 1;  // e.g. the CRM's token expired while nothing ran
  f.crm.cursors.clear();
  auto s2 = f.sync();
  CHECK(s2.status == RunStatus::failed);
  CHECK(s2.resumed);
  CHECK(cursor_rows(f) == 0);  // no progress: the cursor is dropped
  check_sync_from_zero(f);
}
