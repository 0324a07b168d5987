// LiveReads (src/live) against a real SQLite index and a connector in memory: one
// request per record at a time (callers share it), the cache, the per-source cap, the
// read-repair through the writer (update and tombstone, with their change events), and
// how the CRM's failures are told apart.
#include <doctest/doctest.h>

#include <SQLiteCpp/Statement.h>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>

#include "connectors/registry.h"
#include "live/live_reads.h"
#include "store/database.h"
#include "store/index_writer.h"
#include "sync/source_runner.h"

using namespace crm;
using namespace std::chrono_literals;

namespace {

// The CRM: rows by id, shared by every connector the factory makes. get_by_id can be
// held at a gate, so that callers pile up while one request is out.
struct MemoryCrm {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, std::string> names;  // id → name
  int gets = 0;
  bool gated = false;
  std::optional<Error> fail;

  void open_gate() {
    std::lock_guard lock(mu);
    gated = false;
    cv.notify_all();
  }
  int get_count() {
    std::lock_guard lock(mu);
    return gets;
  }
  bool wait_for_gets(int n) {
    for (int i = 0; i < 500; ++i) {
      if (get_count() >= n) return true;
      std::this_thread::sleep_for(2ms);
    }
    return false;
  }
};

Record record_of(const std::string& id, const std::string& name) {
  Record r;
  r.external_id = id;
  r.name = name;
  r.email = id + "@example.com";
  r.remote_updated_at = from_ms(1'700'000'000'000);
  return r;
}

class MemoryConnector final : public Connector {
 public:
  explicit MemoryConnector(MemoryCrm& crm) : crm_(crm) {}

  Result<Page> next_page(const Cursor&) override {
    std::lock_guard lock(crm_.mu);
    Page page;
    for (const auto& [id, name] : crm_.names) page.records.push_back(record_of(id, name));
    return page;
  }
  bool has_get_by_id() const override { return true; }
  Result<LiveRecord> get_by_id(const LiveRequest& request) override {
    std::unique_lock lock(crm_.mu);
    ++crm_.gets;
    crm_.cv.wait(lock, [&] { return !crm_.gated; });
    if (crm_.fail) return *crm_.fail;
    LiveRecord live;
    auto it = crm_.names.find(request.external_id);
    if (it == crm_.names.end()) return live;
    live.record = record_of(it->first, it->second);
    if (it->second.starts_with("merged into ")) {  // a CRM that says who survived it
      live.record->deleted = true;
      live.record->merged_into = it->second.substr(12);
    }
    live.crm = R"({"stage":"lead"})";
    return live;
  }

 private:
  MemoryCrm& crm_;
};

struct Fixture {
  std::filesystem::path dir;
  FakeClock clock{from_ms(1'800'000'000'000)};
  Metrics metrics;
  MemoryCrm crm;
  Config config;
  std::timed_mutex writer_mutex;
  std::unique_ptr<IndexWriter> writer;
  std::unique_ptr<SourceRunner> runner;
  std::unique_ptr<LiveReads> live;

  Fixture() {
    static int n = 0;
    dir = std::filesystem::temp_directory_path() / ("crm-live-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::create_directories(dir);
    auto w = IndexWriter::open((dir / "index.db").string());
    REQUIRE(w);
    writer = std::move(*w);
    runner = std::make_unique<SourceRunner>(*writer, &writer_mutex, clock, nullptr);
    SourceConfig s;
    s.name = "mem";
    s.type = "rest";
    s.live.enabled = true;
    s.live.fields = {"stage"};
    config.sources.push_back(s);
    live = std::make_unique<LiveReads>(*runner, [this](const SourceConfig& source) { return context(source); },
                                       metrics, clock, 4);
    live->apply(config);
    crm.names = {{"1", "Ada"}, {"2", "Grace"}, {"3", "Edsger"}, {"4", "Barbara"}, {"5", "Donald"}};
    auto ctx = context(config.sources[0]);
    REQUIRE(ctx);
    RunSummary first = runner->run(**ctx, {});
    REQUIRE(first.status == RunStatus::ok);
  }
  ~Fixture() {
    crm.open_gate();
    live->stop();
    live.reset();
    runner.reset();
    writer.reset();
    std::filesystem::remove_all(dir);
  }

  Result<std::unique_ptr<SourceContext>> context(const SourceConfig& source) {
    auto ctx = std::make_unique<SourceContext>();
    ctx->config = source;
    ctx->type = find_connector_type("rest");
    ctx->connector = std::make_unique<MemoryConnector>(crm);
    return ctx;
  }

  // Reads and waits for the answer.
  LiveResult read(const std::string& id, const std::string& source = "mem") {
    std::promise<LiveResult> p;
    auto f = p.get_future();
    live->read(source, id, RecordKind::person, [&p](const LiveResult& r) { p.set_value(r); });
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    return f.get();
  }

  std::string index_name(const std::string& id) {
    auto db = open_database((dir / "index.db").string(), OpenMode::read_only);
    REQUIRE(db);
    SQLite::Statement q(**db, "SELECT name || CASE WHEN deleted_ms IS NULL THEN '' ELSE ' (deleted)' END "
                              "FROM records WHERE external_id = ?1");
    q.bind(1, id);
    return q.executeStep() ? q.getColumn(0).getString() : "";
  }
  std::vector<std::string> feed_ops_after(int64_t seq) {
    auto db = open_database((dir / "index.db").string(), OpenMode::read_only);
    REQUIRE(db);
    SQLite::Statement q(**db, "SELECT c.op || ' ' || r.external_id FROM changes c JOIN records r ON r.id = c.record_id "
                              "WHERE c.seq > ?1 AND c.op IN ('create', 'update', 'delete') ORDER BY c.seq");
    q.bind(1, seq);
    std::vector<std::string> out;
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
  }
  int64_t last_seq() {
    auto db = open_database((dir / "index.db").string(), OpenMode::read_only);
    REQUIRE(db);
    return (*db)->execAndGet("SELECT coalesce(max(seq), 0) FROM changes").getInt64();
  }
};

}  // namespace

TEST_CASE("live reads: concurrent callers of one record share one request, then the cache answers") {
  Fixture fx;
  fx.crm.gated = true;
  std::mutex mu;
  std::vector<LiveResult> answers;
  std::condition_variable cv;
  for (int i = 0; i < 20; ++i)
    fx.live->read("mem", "1", RecordKind::person, [&](const LiveResult& r) {
      std::lock_guard lock(mu);
      answers.push_back(r);
      cv.notify_all();
    });
  REQUIRE(fx.crm.wait_for_gets(1));
  std::this_thread::sleep_for(20ms);
  CHECK(fx.crm.get_count() == 1);
  fx.crm.open_gate();
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, 10s, [&] { return answers.size() == 20; }));
  }
  for (const auto& a : answers) {
    CHECK(a.status == LiveStatus::ok);
    CHECK(a.crm == R"({"stage":"lead"})");
    CHECK_FALSE(a.repaired);  // the index had it right
  }
  LiveResult again = fx.read("1");
  CHECK(again.status == LiveStatus::ok);
  CHECK(fx.crm.get_count() == 1);  // from the cache
  fx.clock.advance(31s);           // past live.cache (30s)
  (void)fx.read("1");
  CHECK(fx.crm.get_count() == 2);
}

TEST_CASE("live reads: a record edited in the CRM is repaired through the writer, with an update event") {
  Fixture fx;
  int64_t seq = fx.last_seq();
  {
    std::lock_guard lock(fx.crm.mu);
    fx.crm.names["2"] = "Grace Hopper";
  }
  LiveResult r = fx.read("2");
  REQUIRE(r.status == LiveStatus::ok);
  CHECK(r.repaired);
  CHECK(fx.index_name("2") == "Grace Hopper");
  CHECK(fx.feed_ops_after(seq) == std::vector<std::string>{"update 2"});
  fx.clock.advance(31s);
  LiveResult again = fx.read("2");
  CHECK_FALSE(again.repaired);  // the same content hashes the same: nothing is written twice
  CHECK(fx.feed_ops_after(seq).size() == 1);
}

TEST_CASE("live reads: a record the CRM no longer has becomes a tombstone, with a delete event") {
  Fixture fx;
  int64_t seq = fx.last_seq();
  {
    std::lock_guard lock(fx.crm.mu);
    fx.crm.names.erase("3");
  }
  LiveResult r = fx.read("3");
  REQUIRE(r.status == LiveStatus::ok);
  CHECK(r.gone);
  CHECK(r.repaired);
  CHECK(fx.index_name("3") == "Edsger (deleted)");
  CHECK(fx.feed_ops_after(seq) == std::vector<std::string>{"delete 3"});
  SUBCASE("and comes back as a create when the CRM has it again") {
    {
      std::lock_guard lock(fx.crm.mu);
      fx.crm.names["3"] = "Edsger";
    }
    fx.clock.advance(31s);
    LiveResult back = fx.read("3");
    CHECK(back.repaired);
    CHECK(fx.index_name("3") == "Edsger");
    CHECK(fx.feed_ops_after(seq) == std::vector<std::string>{"delete 3", "create 3"});
  }
}

TEST_CASE("live reads: a record merged away in the CRM becomes a tombstone naming its survivor") {
  Fixture fx;
  {
    std::lock_guard lock(fx.crm.mu);
    fx.crm.names["4"] = "merged into 1";
  }
  LiveResult r = fx.read("4");
  REQUIRE(r.status == LiveStatus::ok);
  CHECK(r.gone);
  CHECK(r.repaired);
  auto db = open_database((fx.dir / "index.db").string(), OpenMode::read_only);
  REQUIRE(db);
  CHECK((*db)->execAndGet("SELECT merged_into FROM records WHERE external_id = '4' AND deleted_ms IS NOT NULL")
            .getString() == "1");
}

TEST_CASE("live reads: at most four requests per source are out; the fifth caller is told busy") {
  Fixture fx;
  fx.crm.gated = true;
  std::atomic<int> answered{0};
  for (const char* id : {"1", "2", "3", "4"})
    fx.live->read("mem", id, RecordKind::person, [&](const LiveResult&) { ++answered; });
  REQUIRE(fx.crm.wait_for_gets(4));
  LiveResult fifth = fx.read("5");
  CHECK(fifth.status == LiveStatus::busy);
  CHECK(fifth.retry_after_s.has_value());
  fx.crm.open_gate();
  for (int i = 0; i < 500 && answered.load() < 4; ++i) std::this_thread::sleep_for(2ms);
  CHECK(answered.load() == 4);
  CHECK(fx.read("5").status == LiveStatus::ok);
}

TEST_CASE("live reads: the CRM's failures are told apart and never cached") {
  Fixture fx;
  Error limited = Error::transient("HTTP 429: slow down");
  limited.http_status = 429;
  limited.retry_after_s = 7;
  fx.crm.fail = limited;
  LiveResult r = fx.read("1");
  CHECK(r.status == LiveStatus::rate_limited);
  CHECK(r.retry_after_s == doctest::Approx(7));

  Error down = Error::transient("HTTP 503: down");
  down.http_status = 503;
  fx.crm.fail = down;
  CHECK(fx.read("1").status == LiveStatus::unavailable);
  fx.crm.fail = Error::transient("timeout after 5000 ms");
  CHECK(fx.read("1").status == LiveStatus::unavailable);
  Error refused = Error::auth("HTTP 401: bad token");
  refused.http_status = 401;
  fx.crm.fail = refused;
  CHECK(fx.read("1").status == LiveStatus::crm_error);
  CHECK(fx.crm.get_count() == 4);  // nothing was cached

  CHECK(fx.read("1", "other").status == LiveStatus::not_enabled);
}
