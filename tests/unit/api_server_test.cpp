// ApiServer over loopback, end to end: a real temp index written through IndexWriter, a
// fake scheduler, a ChangeNotifier, Metrics; libcurl (and a raw socket) as clients.
// Also HttpServer's deferred answers (suspend/resume), which the long-polls rest on.
#include "api/api_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <SQLiteCpp/Database.h>
#include <curl/curl.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/http_server.h"
#include "core/metrics.h"
#include "store/change_notifier.h"
#include "store/database.h"
#include "store/index_writer.h"

using namespace crm;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

namespace {

// --- HTTP client -----------------------------------------------------------------------

struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::string headers;
  Millis took{0};

  // The value of a response header ("" when absent); names compared case-insensitively.
  std::string header(std::string_view name) const {
    size_t pos = 0;
    while (pos < headers.size()) {
      size_t end = headers.find("\r\n", pos);
      if (end == std::string::npos) end = headers.size();
      std::string_view line(headers.data() + pos, end - pos);
      size_t colon = line.find(':');
      if (colon == name.size() &&
          std::equal(name.begin(), name.end(), line.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        std::string_view v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        return std::string(v);
      }
      pos = end + 2;
    }
    return {};
  }
};

size_t append_to(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct Call {
  Call(std::string p, std::string m = "GET", std::vector<std::string> h = {})
      : path(std::move(p)), method(std::move(m)), headers(std::move(h)) {}
  std::string path;  // with the query string, already URL-encoded
  std::string method;
  std::vector<std::string> headers;
  long timeout_s = 20;
};

// An easy handle set up for `call`; the caller frees it (and the header list).
CURL* make_easy(uint16_t port, const Call& call, Reply& out, curl_slist*& hdrs) {
  CURL* c = curl_easy_init();
  REQUIRE(c != nullptr);
  hdrs = nullptr;
  for (const auto& h : call.headers) hdrs = curl_slist_append(hdrs, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, fmt::format("http://127.0.0.1:{}{}", port, call.path).c_str());
  if (call.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  else if (call.method != "GET") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &append_to);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &append_to);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &out.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, call.timeout_s);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  return c;
}

Reply fetch(uint16_t port, const Call& call) {
  Reply r;
  curl_slist* hdrs = nullptr;
  CURL* c = make_easy(port, call, r, hdrs);
  auto t0 = SteadyClock::now();
  r.code = curl_easy_perform(c);
  r.took = std::chrono::duration_cast<Millis>(SteadyClock::now() - t0);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(c);
  return r;
}

Reply get(uint16_t port, std::string path, std::vector<std::string> headers = {}) {
  return fetch(port, Call{std::move(path), "GET", std::move(headers)});
}

// Many requests at once on one thread (curl multi): long-polls that must all be pending.
class Concurrent {
 public:
  explicit Concurrent(uint16_t port) : port_(port), multi_(curl_multi_init()) {}
  ~Concurrent() {
    for (auto& t : transfers_) {
      curl_multi_remove_handle(multi_, t.easy);
      curl_easy_cleanup(t.easy);
      curl_slist_free_all(t.hdrs);
    }
    curl_multi_cleanup(multi_);
  }
  void add(const Call& call) {
    auto& t = transfers_.emplace_back();
    t.reply = std::make_unique<Reply>();
    t.easy = make_easy(port_, call, *t.reply, t.hdrs);
    t.started = SteadyClock::now();
    curl_multi_add_handle(multi_, t.easy);
  }
  // Drives the transfers for up to `d`, or until all are done; returns how many are done.
  size_t run_for(Millis d) {
    auto until = SteadyClock::now() + d;
    int running = 0;
    do {
      curl_multi_perform(multi_, &running);
      collect();
      if (running == 0) break;
      curl_multi_poll(multi_, nullptr, 0, 20, nullptr);
    } while (SteadyClock::now() < until);
    return done();
  }
  size_t done() const {
    size_t n = 0;
    for (const auto& t : transfers_) n += t.finished;
    return n;
  }
  const Reply& reply(size_t i) const { return *transfers_[i].reply; }
  size_t size() const { return transfers_.size(); }

 private:
  struct Transfer {
    CURL* easy = nullptr;
    curl_slist* hdrs = nullptr;
    std::unique_ptr<Reply> reply;
    SteadyClock::time_point started;
    bool finished = false;
  };
  void collect() {
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      for (auto& t : transfers_) {
        if (t.easy != m->easy_handle) continue;
        t.finished = true;
        t.reply->code = m->data.result;
        curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &t.reply->status);
        t.reply->took = std::chrono::duration_cast<Millis>(SteadyClock::now() - t.started);
      }
    }
  }
  uint16_t port_;
  CURLM* multi_;
  std::vector<Transfer> transfers_;
};

// Polls `cond` every 5 ms for up to `limit`: for states that another thread reaches.
template <class F>
bool eventually(F cond, Millis limit = 5s) {
  auto until = SteadyClock::now() + limit;
  while (!cond()) {
    if (SteadyClock::now() >= until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// --- JSON ------------------------------------------------------------------------------

struct Json {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  explicit Json(const std::string& body) { root = parser.parse(body); }  // throws on bad JSON
};

std::string str(simdjson::dom::element e) { return std::string(std::string_view(e)); }

std::vector<std::string> names_of(const Json& j) {
  std::vector<std::string> out;
  for (auto item : j.root["items"].get_array()) out.push_back(str(item["name"]));
  return out;
}

std::string error_code(const Reply& r) {
  Json j(r.body);
  return str(j.root["error"]["code"]);
}

// --- the index and the scheduler -------------------------------------------------------

class FakeScheduler final : public SchedulerView {
 public:
  std::vector<SourceRuntime> snapshot() const override {
    std::lock_guard lock(mu_);
    return rows_;
  }
  bool config_reload_ok() const override { return true; }
  void set(std::vector<SourceRuntime> rows) {
    std::lock_guard lock(mu_);
    rows_ = std::move(rows);
  }

 private:
  mutable std::mutex mu_;
  std::vector<SourceRuntime> rows_;
};

int next_dir_number() {
  static std::atomic<int> n{0};
  return n++;
}

Record person(std::string id, std::string name, std::string email, std::string company = "") {
  Record r;
  r.external_id = std::move(id);
  r.name = std::move(name);
  r.email = std::move(email);
  r.company = std::move(company);
  r.remote_updated_at = from_ms(1'790'000'000'000);
  return r;
}

// A temp index written the way the sync engine writes it: lookup, then one commit.
struct Index {
  std::filesystem::path dir;
  std::string path;
  std::unique_ptr<IndexWriter> writer;
  // For what a test looks at or breaks on purpose: the writer's SQL is its own.
  std::unique_ptr<SQLite::Database> side;
  SQLite::Database& db() { return *side; }
  std::map<std::string, int64_t> source_ids;

  Index() {
    dir = std::filesystem::temp_directory_path() /
          fmt::format("crm-api-test-{}-{}", ::getpid(), next_dir_number());
    std::filesystem::create_directories(dir);
    path = (dir / "index.db").string();
    auto w = IndexWriter::open(path);
    REQUIRE(w);
    writer = std::move(*w);
    auto side_db = open_database(path, OpenMode::read_write);  // with fold() for the search view
    REQUIRE(side_db);
    side = std::move(*side_db);
  }
  ~Index() {
    side.reset();
    writer.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // Creates or updates `records` in `source` as one page of one run; returns the last seq.
  int64_t upsert(const std::string& source, const std::vector<Record>& records, TimePoint now) {
    auto src = writer->ensure_source(source, "rest", now);
    REQUIRE(src);
    source_ids[source] = src->id;
    auto run = writer->begin_run(src->id, SyncMode::incremental, now);
    REQUIRE(run);
    std::vector<StoredState> stored;
    REQUIRE(writer->lookup(src->id, records, stored));
    PageCommit page;
    page.source_id = src->id;
    page.run_id = *run;
    page.crm_type = "rest";
    page.now = now;
    page.run_started = now;
    RunCounts counts;
    page.counts = &counts;
    RunEnd end;
    end.new_watermark = now;
    page.end = &end;
    for (size_t i = 0; i < records.size(); ++i) {
      RecordWrite w;
      w.record = &records[i];
      w.row_id = stored[i].row_id;
      w.hash = Hash128{static_cast<uint64_t>(to_ms(now)), i};
      w.op = records[i].deleted ? ChangeOp::remove : w.row_id ? ChangeOp::update : ChangeOp::create;
      page.writes.push_back(w);
    }
    counts.fetched = static_cast<long>(records.size());
    REQUIRE(writer->commit(page));
    return db().execAndGet("SELECT coalesce(max(seq), 0) FROM changes").getInt64();
  }
};

const TimePoint kT0 = from_ms(1'800'000'000'000);  // 2027-01-15T08:00:00Z

SourceRuntime runtime(std::string name, int failures = 0) {
  SourceRuntime s;
  s.name = std::move(name);
  s.type = "rest";
  s.interval = 5min;
  s.stale_after = 15min;
  s.next_run_at = kT0 + 5min;
  s.consecutive_failures = failures;
  return s;
}

// A running ApiServer over an index holding a handful of people.
struct Api {
  Index index;
  FakeScheduler scheduler;
  ChangeNotifier notifier;
  Metrics metrics;
  FakeClock clock{kT0};
  std::unique_ptr<ApiServer> server;
  uint16_t port = 0;
  ApiLimits limits;

  explicit Api(std::string token = "", bool fill = true, ApiLimits limits = {}) : limits(limits) {
    declare_crm_metrics(metrics);
    if (fill) {
      index.upsert("crm-a",
                   {person("1", "Zoë Łukasz", "zoe@example.com", "Acme GmbH"),
                    person("2", "Bob Builder", "Bob.Builder@Example.org", "Builders Ltd"),
                    person("a b/c", "Carla Díaz", "carla@example.net")},
                   kT0 - 2h);
      Record gone = person("4", "Dora Deleted", "dora@example.com");
      index.upsert("crm-a", {gone}, kT0 - 2h);
      gone.deleted = true;
      index.upsert("crm-a", {gone}, kT0 - 1h);
      index.upsert("crm-b", {person("b1", "Zoe Other", "zoe@other.example")}, kT0 - 30min);
      notifier.notify(index.db().execAndGet("SELECT max(seq) FROM changes").getInt64());
    }
    auto ok = runtime("crm-a");
    ok.last_success = kT0 - 1h;
    SourceRuntime refused = runtime("crm-b", 2);
    refused.needs_attention = NeedsAttention{"source 'crm-b': list: HTTP 401: invalid token", "auth", kT0 - 30min};
    scheduler.set({ok, refused, runtime("crm-c")});
    start(std::move(token));
  }
  void start(std::string token) {
    ApiOptions o;
    o.listen = "127.0.0.1:0";
    o.token = std::move(token);
    o.threads = 4;
    o.limits = limits;
    server = std::make_unique<ApiServer>(o, index.path, scheduler, notifier, metrics, clock);
    REQUIRE(server->start());
    port = server->port();
    REQUIRE(port != 0);
    server->set_ready(true);
  }
  ~Api() { server.reset(); }
  Reply get(const std::string& path, std::vector<std::string> headers = {}) {
    return ::get(port, path, std::move(headers));
  }
};

}  // namespace

TEST_CASE("api: health, readiness and sources") {
  Api api;
  auto health = api.get("/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == R"({"status":"ok"})");
  CHECK(health.header("Content-Type") == "application/json; charset=utf-8");

  CHECK(api.get("/readyz").status == 200);
  api.server->set_ready(false);
  auto not_ready = api.get("/readyz");
  CHECK(not_ready.status == 503);
  CHECK(error_code(not_ready) == "not_ready");

  auto r = api.get("/v1/sources");
  REQUIRE(r.status == 200);
  Json j(r.body);
  auto items = j.root["items"].get_array();
  REQUIRE(items.size() == 3);
  auto a = items.at(0);
  CHECK(str(a["name"]) == "crm-a");
  CHECK(str(a["type"]) == "rest");
  CHECK(bool(a["enabled"]));
  CHECK(bool(a["configured"]));
  CHECK(int64_t(a["interval_s"]) == 300);
  CHECK(int64_t(a["records"]) == 3);
  CHECK(int64_t(a["deleted"]) == 1);
  CHECK(str(a["watermark"]) == "2027-01-15T07:00:00Z");
  CHECK(str(a["next_run_at"]) == "2027-01-15T08:05:00Z");
  CHECK(int64_t(a["consecutive_failures"]) == 0);
  CHECK_FALSE(bool(a["stale"]));
  CHECK(a["needs_attention"].is_null());
  CHECK(str(a["last_success_at"]) == "2027-01-15T07:00:00Z");
  auto run = a["last_run"];
  CHECK(str(run["status"]) == "ok");
  CHECK(str(run["mode"]) == "incremental");
  CHECK(str(run["started_at"]) == "2027-01-15T07:00:00Z");
  CHECK(str(run["finished_at"]) == "2027-01-15T07:00:00Z");
  CHECK(run["error"].is_null());
  CHECK(int64_t(run["fetched"]) == 1);
  for (const char* k : {"id", "created", "updated", "unchanged", "deleted"}) CHECK(run[k].is_int64());

  auto b = items.at(1);
  CHECK(int64_t(b["consecutive_failures"]) == 2);
  CHECK(str(b["needs_attention"]["reason"]) == "source 'crm-b': list: HTTP 401: invalid token");
  CHECK(str(b["needs_attention"]["kind"]) == "auth");
  CHECK(str(b["needs_attention"]["since"]) == "2027-01-15T07:30:00Z");
  CHECK(str(b["last_success_at"]) == "2027-01-15T07:30:00Z");  // from the index
  auto c = items.at(2);  // configured, never synced
  CHECK(str(c["name"]) == "crm-c");
  CHECK(int64_t(c["records"]) == 0);
  CHECK(c["watermark"].is_null());
  CHECK(c["last_run"].is_null());
  CHECK(c["last_success_at"].is_null());

  SUBCASE("a source the config dropped is listed as not configured") {
    api.scheduler.set({runtime("crm-b")});
    Json k(api.get("/v1/sources").body);
    CHECK(names_of(k) == std::vector<std::string>{"crm-b", "crm-a"});
    auto dropped = k.root["items"].at(1);
    CHECK_FALSE(bool(dropped["configured"]));
    CHECK_FALSE(bool(dropped["enabled"]));
    CHECK(dropped["interval_s"].is_null());
    CHECK(int64_t(dropped["records"]) == 3);
  }
}

TEST_CASE("api: records, one record, filters and search") {
  Api api;
  auto list = api.get("/v1/records");
  REQUIRE(list.status == 200);
  CHECK(list.header("Content-Type") == "application/json; charset=utf-8");
  {
    Json j(list.body);
    CHECK(names_of(j) == std::vector<std::string>{"Zoë Łukasz", "Bob Builder", "Carla Díaz", "Zoe Other"});
    CHECK(j.root["next"].is_null());
    auto zoe = j.root["items"].at(0);
    CHECK(str(zoe["source"]) == "crm-a");
    CHECK(str(zoe["external_id"]) == "1");
    CHECK(str(zoe["email"]) == "zoe@example.com");
    CHECK(str(zoe["company"]) == "Acme GmbH");
    CHECK(zoe["phone"].is_null());
    CHECK(zoe["deleted_at"].is_null());
  }
  auto names = [&](const std::string& query) {
    auto r = api.get("/v1/records?" + query);
    CAPTURE(query);
    CAPTURE(r.body);
    REQUIRE(r.status == 200);
    Json j(r.body);
    return names_of(j);
  };
  using V = std::vector<std::string>;
  CHECK(names("q=zoe") == V{"Zoë Łukasz", "Zoe Other"});
  CHECK(names("q=ZOE") == V{"Zoë Łukasz", "Zoe Other"});
  CHECK(names("q=zo") == V{"Zoë Łukasz", "Zoe Other"});
  CHECK(names("q=Zo%C3%AB") == V{"Zoë Łukasz", "Zoe Other"});  // "Zoë"
  CHECK(names("q=zoe+acme") == V{"Zoë Łukasz"});               // words are ANDed
  CHECK(names("q=builders") == V{"Bob Builder"});              // company
  CHECK(names("q=example.net") == V{"Carla Díaz"});            // email
  CHECK(names("q=diaz") == V{"Carla Díaz"});
  CHECK(names("q=dora") == V{});
  CHECK(names("q=dora&include_deleted=true") == V{"Dora Deleted"});
  CHECK(names("q=zoe&source=crm-b") == V{"Zoe Other"});
  CHECK(names("q=%20%20") == V{"Zoë Łukasz", "Bob Builder", "Carla Díaz", "Zoe Other"});  // blank: no search
  CHECK(names("email=BOB.builder@example.ORG") == V{"Bob Builder"});
  CHECK(names("email=zoe@example.com") == V{"Zoë Łukasz"});
  CHECK(names("email=zoe@example") == V{});  // exact, not a prefix
  CHECK(names("email=dora@example.com") == V{});
  CHECK(names("email=dora@example.com&include_deleted=true") == V{"Dora Deleted"});
  CHECK(names("email=%40%40") == V{});  // no word in it: compared exactly, without the index
  CHECK(names("source=crm-b") == V{"Zoe Other"});
  CHECK(names("source=nope") == V{});
  CHECK(names("updated_since=2027-01-15T07:15:00Z") == V{"Zoe Other"});
  CHECK(names("updated_since=2027-01-15T06:30:00Z&include_deleted=true") == V{"Dora Deleted", "Zoe Other"});
  CHECK(names("updated_since=2027-01-15T08:15:00%2B01:00") == V{"Zoe Other"});
  CHECK(names("include_deleted=true&source=crm-a") == V{"Zoë Łukasz", "Bob Builder", "Carla Díaz", "Dora Deleted"});

  SUBCASE("hostile search text is plain words, never a 500") {
    for (const char* q : {"%22", "%22+OR+1%3D1+--", "*", "NEAR(", "AND", "OR", "NOT", "zoe+AND",
                          "%22zoe%22", "email%3Azoe", "%7B%7D", "-zoe", "%5E", "(((", "zo*e"}) {
      CAPTURE(q);
      auto r = api.get(fmt::format("/v1/records?q={}", q));
      CHECK(r.status == 200);
      CHECK_NOTHROW(Json{r.body});
    }
    CHECK(names("q=*") == V{});
    CHECK(names("q=%22zoe%22") == V{"Zoë Łukasz", "Zoe Other"});
  }
  SUBCASE("one record, tombstones included, ids with spaces and slashes") {
    auto one = api.get("/v1/records/crm-a/1");
    REQUIRE(one.status == 200);
    Json j(one.body);
    CHECK(str(j.root["name"]) == "Zoë Łukasz");
    CHECK(str(j.root["source"]) == "crm-a");
    auto odd = api.get("/v1/records/crm-a/a%20b%2Fc");
    REQUIRE(odd.status == 200);
    CHECK(str(Json(odd.body).root["name"]) == "Carla Díaz");
    CHECK(api.get("/v1/records/crm-a/a%20b/c").status == 200);
    auto gone = api.get("/v1/records/crm-a/4");
    REQUIRE(gone.status == 200);
    CHECK(Json(gone.body).root["deleted_at"].is_string());
    auto missing = api.get("/v1/records/crm-a/nope");
    CHECK(missing.status == 404);
    CHECK(error_code(missing) == "not_found");
    CHECK(api.get("/v1/records/crm-x/1").status == 404);
  }
}

TEST_CASE("search index: follows updates, ignores tombstoning, is rebuilt by the migration") {
  Api api;
  auto names = [&](const std::string& query) {
    Json j(api.get("/v1/records?" + query).body);
    return names_of(j);
  };
  using V = std::vector<std::string>;
  api.index.upsert("crm-a", {person("2", "Robert Baumeister", "rb@example.org", "Bau AG")}, kT0);
  CHECK(names("q=bob") == V{});
  CHECK(names("q=builders") == V{});
  CHECK(names("email=bob.builder@example.org") == V{});
  CHECK(names("q=baumeister") == V{"Robert Baumeister"});
  CHECK(names("email=RB@example.org") == V{"Robert Baumeister"});
  Record gone = person("2", "Robert Baumeister", "rb@example.org", "Bau AG");
  gone.deleted = true;
  api.index.upsert("crm-a", {gone}, kT0 + 1s);
  CHECK(names("q=baumeister") == V{});
  CHECK(names("q=baumeister&include_deleted=true") == V{"Robert Baumeister"});
  auto& db = api.index.db();
  // FTS5 compares its index with the content table: throws when they disagree.
  CHECK_NOTHROW(db.exec("INSERT INTO records_fts (records_fts, rank) VALUES ('integrity-check', 1)"));

  // An index from schema version 1 gets its search index when it is opened.
  api.server->stop();
  db.exec("DROP TABLE records_fts");
  db.exec("DROP VIEW records_search");
  db.exec("ALTER TABLE records DROP COLUMN country");
  db.exec("DROP INDEX records_by_source_live");
  for (const char* t : {"link_keys", "record_customer", "customers", "link_reasons", "link_marks",
                        "suggestions", "link_state", "search_pending", "unseen_once", "index_meta", "outputs",
                        "output_dead_letters", "stream_positions"})
    db.exec(std::string("DROP TABLE ") + t);
  db.exec("DROP INDEX records_merged");
  db.exec("ALTER TABLE changes DROP COLUMN mark_id");
  db.exec("ALTER TABLE sources DROP COLUMN connector_state");
  db.exec("ALTER TABLE runs DROP COLUMN touched");
  db.exec("ALTER TABLE runs DROP COLUMN error_kind");  // sql/0007
  db.exec("ALTER TABLE cursors DROP COLUMN pass_started_ms");
  db.exec("PRAGMA user_version = 1");
  api.index.writer.reset();
  {
    ChangeNotifier n;
    ApiServer old(ApiOptions{"127.0.0.1:0", "", 1, {}}, api.index.path, api.scheduler, n, api.metrics, api.clock);
    REQUIRE(old.start());
    auto r = get(old.port(), "/v1/records");
    CHECK(r.status == 503);
    CHECK(r.body.find("predates") != std::string::npos);
  }
  auto reopened = IndexWriter::open(api.index.path);
  REQUIRE(reopened);
  api.index.writer = std::move(*reopened);
  api.start("");
  CHECK(names("q=zoe") == V{"Zoë Łukasz", "Zoe Other"});
  CHECK_NOTHROW(api.index.db().exec(
      "INSERT INTO records_fts (records_fts, rank) VALUES ('integrity-check', 1)"));
}

TEST_CASE("search folds every letter as the name rules do, in records and customers") {
  Api api("", /*fill=*/false);
  auto names = [&](const std::string& query) {
    Json j(api.get("/v1/records?" + query).body);
    return names_of(j);
  };
  auto customers = [&](const std::string& query) {
    Json j(api.get("/v1/customers?" + query).body);
    size_t n = 0;
    for (auto item : j.root["items"].get_array()) n += item.is_object() ? 1 : 0;
    return n;
  };
  using V = std::vector<std::string>;
  api.index.upsert("crm-a", {person("1", "Łukasz Nowak", "lukasz@example.pl"),
                             person("2", "Martin Ødegaard", "", "Ærø Færgen"),
                             person("3", "Hans Straße", "hans@example.de"),
                             person("4", "Đorđe Đokić", "", "ÆØÅ Œuvre")},
                   kT0);
  struct Case {
    const char* query;
    V found;
  };
  for (const Case& c : {Case{"q=lukasz", {"Łukasz Nowak"}}, Case{"q=%C5%81UKASZ", {"Łukasz Nowak"}},
                        Case{"q=luk", {"Łukasz Nowak"}}, Case{"q=odegaard", {"Martin Ødegaard"}},
                        Case{"q=%C3%98degaard", {"Martin Ødegaard"}}, Case{"q=aero", {"Martin Ødegaard"}},
                        Case{"q=faergen", {"Martin Ødegaard"}}, Case{"q=strasse", {"Hans Straße"}},
                        Case{"q=stra%C3%9Fe", {"Hans Straße"}}, Case{"q=STRASS", {"Hans Straße"}},
                        Case{"q=djokic", V{}}, Case{"q=dokic", {"Đorđe Đokić"}}, Case{"q=oeuvre", {"Đorđe Đokić"}},
                        Case{"q=martin+aero", {"Martin Ødegaard"}}, Case{"q=martin+lukasz", V{}}}) {
    CAPTURE(c.query);
    CHECK(names(c.query) == c.found);
  }
  CHECK(customers("q=lukasz") == 1);
  CHECK(customers("q=odegaard") == 1);
  CHECK(customers("q=aero") == 1);
  CHECK(customers("q=strasse") == 1);
  // An email lookup folds too; the exact comparison still decides.
  CHECK(names("email=LUKASZ@example.pl") == V{"Łukasz Nowak"});

  // Updates forget the old folded words and index the new ones.
  api.index.upsert("crm-a", {person("1", "Łucja Nowak", "lucja@example.pl")}, kT0 + 1s);
  CHECK(names("q=lukasz") == V{});
  CHECK(names("q=lucja") == V{"Łucja Nowak"});
  auto& db = api.index.db();
  CHECK_NOTHROW(db.exec("INSERT INTO records_fts (records_fts, rank) VALUES ('integrity-check', 1)"));

  // An index of schema version 5 (search not folded) is folded by the migration.
  api.server->stop();
  db.exec("DROP TABLE records_fts; DROP VIEW records_search; ALTER TABLE records DROP COLUMN country;"
          "CREATE VIRTUAL TABLE records_fts USING fts5(name, email, company, content = 'records', "
          "content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');"
          "INSERT INTO records_fts (records_fts) VALUES ('rebuild');"
          // and without what sql/0007 adds, so that both migrations run again
          "ALTER TABLE runs DROP COLUMN error_kind; ALTER TABLE cursors DROP COLUMN pass_started_ms;"
          "DROP TABLE index_meta; DROP TABLE outputs; DROP TABLE output_dead_letters;"  // and sql/0008
          "DROP TABLE stream_positions;"  // and sql/0010
          "PRAGMA user_version = 5;");
  api.index.writer.reset();
  auto reopened = IndexWriter::open(api.index.path);
  REQUIRE(reopened);
  api.index.writer = std::move(*reopened);
  api.start("");
  CHECK(names("q=odegaard") == V{"Martin Ødegaard"});
  CHECK(names("q=lucja") == V{"Łucja Nowak"});
  CHECK_NOTHROW(api.index.db().exec(
      "INSERT INTO records_fts (records_fts, rank) VALUES ('integrity-check', 1)"));
}

TEST_CASE("api: keyset pagination walks every record once while a sync writes") {
  Api api("", /*fill=*/false);
  std::vector<Record> batch;
  for (int i = 0; i < 250; ++i) batch.push_back(person(fmt::format("r{:03}", i), fmt::format("Person {}", i), ""));
  api.index.upsert("bulk", batch, kT0);

  // The writer keeps adding records and rewriting old ones while the pages are read.
  std::atomic<bool> stop{false};
  std::atomic<int> added{0};
  std::thread writer([&] {
    for (int round = 0; round < 200 && !stop; ++round) {
      std::vector<Record> more = {person(fmt::format("new{:03}", round), "New", ""),
                                  person(fmt::format("r{:03}", (round * 7) % 250), fmt::format("Edited {}", round), "")};
      api.index.upsert("bulk", more, kT0 + std::chrono::seconds(round));
      ++added;
      std::this_thread::sleep_for(1ms);
    }
  });
  REQUIRE(eventually([&] { return added > 0; }));

  std::multiset<std::string> seen;
  std::string path = "/v1/records?source=bulk&limit=100";
  int pages = 0;
  for (; pages < 20; ++pages) {
    auto r = api.get(path);
    REQUIRE(r.status == 200);
    Json j(r.body);
    auto items = j.root["items"].get_array();
    CHECK(items.size() <= 100);
    for (auto item : items) seen.insert(str(item["external_id"]));
    if (j.root["next"].is_null()) break;
    path = fmt::format("/v1/records?source=bulk&limit=100&after={}", str(j.root["next"]));
    if (pages == 1) stop = true;  // the third page then ends the walk
  }
  writer.join();
  CHECK(pages >= 2);
  for (int i = 0; i < 250; ++i) CHECK(seen.count(fmt::format("r{:03}", i)) == 1);
  for (const auto& id : seen) CHECK(seen.count(id) == 1);

  SUBCASE("without writes: 250 records are 3 pages of 100, 100, 50") {
    Api quiet("", false);
    quiet.index.upsert("bulk", batch, kT0);
    std::vector<size_t> sizes;
    std::set<std::string> ids;
    std::string p = "/v1/records?limit=100";
    for (int i = 0; i < 5; ++i) {
      Json j(quiet.get(p).body);
      sizes.push_back(j.root["items"].get_array().size());
      for (auto item : j.root["items"].get_array()) ids.insert(str(item["external_id"]));
      if (j.root["next"].is_null()) break;
      p = "/v1/records?limit=100&after=" + str(j.root["next"]);
    }
    CHECK(sizes == std::vector<size_t>{100, 100, 50});
    CHECK(ids.size() == 250);
  }
}

TEST_CASE("api: every client mistake is a 4xx JSON error") {
  Api api;
  struct Case { std::string method, path; long status; std::string code, message_has; };
  const std::vector<Case> cases = {
      {"GET", "/v1/records?limti=5", 400, "unknown_parameter", "'limti' (did you mean 'limit'?)"},
      {"GET", "/v1/records?limit=0", 400, "invalid_parameter", "limit: must be an integer from 1 to 1000"},
      {"GET", "/v1/records?limit=1001", 400, "invalid_parameter", "limit"},
      {"GET", "/v1/records?limit=abc", 400, "invalid_parameter", "limit"},
      {"GET", "/v1/records?limit=5&limit=6", 400, "invalid_parameter", "given more than once"},
      {"GET", "/v1/records?after=garbage", 400, "invalid_parameter", "after"},
      {"GET", "/v1/records?updated_since=yesterday", 400, "invalid_parameter", "updated_since"},
      {"GET", "/v1/records?include_deleted=maybe", 400, "invalid_parameter", "include_deleted"},
      {"GET", "/v1/records?source=", 400, "invalid_parameter", "source"},
      {"GET", "/v1/records?email=", 400, "invalid_parameter", "email"},
      {"GET", "/v1/records?q=%FF", 400, "invalid_parameter", "q: not valid UTF-8"},
      {"GET", "/v1/records?q=a%00b", 400, "invalid_parameter", "NUL"},
      {"GET", "/v1/records?q=" + std::string(300, 'a'), 400, "invalid_parameter", "q: at most 256 bytes"},
      {"GET", "/v1/records?q=a+b+c+d+e+f+g+h+i", 400, "invalid_parameter", "q: at most 8 words"},
      {"GET", "/v1/records/crm-a/%FF", 400, "invalid_path", "UTF-8"},
      {"GET", "/v1/changes?wait=forever", 400, "invalid_parameter", "wait"},
      {"GET", "/v1/changes?wait=61s", 400, "invalid_parameter", "at most 60s"},
      {"GET", "/v1/changes?after=-1", 400, "invalid_parameter", "after"},
      {"GET", "/v1/changes?limit=0", 400, "invalid_parameter", "limit"},
      {"GET", "/v1/changes?q=x", 400, "unknown_parameter", "this route takes after, limit, wait"},
      {"GET", "/v1/sources?limit=5", 400, "unknown_parameter", "this route takes none"},
      {"GET", "/healthz?x=1", 400, "unknown_parameter", "x"},
      {"GET", "/v1/nothing", 404, "not_found", "/v1/nothing"},
      {"GET", "/nothing", 404, "not_found", ""},  // "/" is the web page (web_handler_test.cpp)
      {"GET", "/v1/widgets", 404, "not_found", ""},
      {"GET", "/v1/customers/42", 400, "invalid_path", "c_42"},
      {"GET", "/v1/customers/c_99999", 404, "not_found", "no customer c_99999"},
      {"GET", "/v1/customers?min_members=0", 400, "invalid_parameter", "min_members"},
      {"GET", "/v1/records?customer_id=x", 400, "invalid_parameter", "customer_id"},
      {"GET", "/v1/suggestions?after=zzz", 400, "invalid_parameter", "after"},
      // Hostile input (issue #6): overflow, negatives, SQL, traversal, forged tokens.
      {"GET", "/v1/records?limit=99999999999999999999", 400, "invalid_parameter", "limit"},
      {"GET", "/v1/records?limit=-5", 400, "invalid_parameter", "limit"},
      {"GET", "/v1/records?limit=1e3", 400, "invalid_parameter", "limit"},
      {"GET", "/v1/records?after=%27%20OR%201%3D1--", 400, "invalid_parameter", "after"},
      {"GET", "/v1/records?after=djE6MS4wMDAw", 400, "invalid_parameter", "after"},
      {"GET", "/v1/records?customer_id=c_1%3BDROP%20TABLE%20records", 400, "invalid_parameter", "customer_id"},
      {"GET", "/v1/records?customer_id=c_99999999999999999999", 400, "invalid_parameter", "customer_id"},
      {"GET", "/v1/customers?limit=-1", 400, "invalid_parameter", "limit"},
      {"GET", "/v1/customers?q=" + std::string(300, 'x'), 400, "invalid_parameter", "q"},
      {"GET", "/v1/changes?after=99999999999999999999999", 400, "invalid_parameter", "after"},
      {"GET", "/v1/records/..%2F..%2Fetc/passwd", 404, "not_found", ""},
      {"GET", "/v1/customers/c_1%2F..", 404, "not_found", ""},
      {"GET", "/v1/records?updated_since=2026-13-45T99:99:99Z", 400, "invalid_parameter", "updated_since"},
      {"POST", "/v1/records", 405, "method_not_allowed", "GET or HEAD"},
      {"PUT", "/v1/records/crm-a/1", 405, "method_not_allowed", ""},
      {"DELETE", "/v1/records/crm-a/1", 405, "method_not_allowed", ""},
      {"PATCH", "/v1/sources", 405, "method_not_allowed", ""},
      {"OPTIONS", "/healthz", 405, "method_not_allowed", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.method);
    CAPTURE(c.path);
    auto r = fetch(api.port, Call{c.path, c.method});
    CAPTURE(r.body);
    CHECK(r.status == c.status);
    CHECK(r.header("Content-Type") == "application/json; charset=utf-8");
    Json j(r.body);
    CHECK(str(j.root["error"]["code"]) == c.code);
    CHECK(str(j.root["error"]["message"]).find(c.message_has) != std::string::npos);
    if (c.status == 405) CHECK(r.header("Allow") == "GET, HEAD");
  }
}

TEST_CASE("api: SQL and FTS syntax in parameters is plain text, never a 5xx") {
  Api api;
  // '; DROP TABLE records;--   " OR 1=1 --   zoe* NEAR(   a) OR (b   -- --   %   _
  for (const char* q : {"%27%3B%20DROP%20TABLE%20records%3B--", "%22%20OR%201%3D1%20--", "zoe*%20NEAR(",
                        "a)%20OR%20(b", "--%20--", "%25", "_", "%5C%27"}) {
    CAPTURE(q);
    for (const char* route : {"/v1/records?q=", "/v1/customers?q=", "/v1/records?email=", "/v1/records?source="}) {
      auto r = get(api.port, std::string(route) + q);
      CAPTURE(r.body);
      CHECK(r.status == 200);
      Json j(r.body);
      CHECK(j.root["items"].is_array());
    }
  }
  auto all = get(api.port, "/v1/records?limit=1000");
  CHECK(all.status == 200);
  CHECK(Json(all.body).root["items"].get_array().size() > 0);  // the table is still there
}

TEST_CASE("api: bearer token on every route but /healthz and /readyz") {
  Api api("s3cret-token");
  auto none = api.get("/v1/records");
  CHECK(none.status == 401);
  CHECK(error_code(none) == "unauthorized");
  CHECK(none.header("WWW-Authenticate").starts_with("Bearer"));
  CHECK(none.body.find("s3cret") == std::string::npos);
  auto wrong = api.get("/v1/records", {"Authorization: Bearer s3cret-tokeN"});
  CHECK(wrong.status == 401);
  CHECK(wrong.body.find("s3cret") == std::string::npos);
  CHECK(api.get("/v1/records", {"Authorization: Basic czNjcmV0LXRva2Vu"}).status == 401);
  CHECK(api.get("/v1/records", {"Authorization: Bearer s3cret-token"}).status == 200);
  CHECK(api.get("/metrics").status == 401);
  CHECK(api.get("/v1/nothing").status == 401);  // routes are not revealed without the token
  CHECK(api.get("/healthz").status == 200);
  CHECK(api.get("/readyz").status != 401);  // 200 or 503 (not ready): never a secret
  auto metrics = api.get("/metrics", {"Authorization: Bearer s3cret-token"});
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("s3cret") == std::string::npos);
}

TEST_CASE("api: ETag and If-None-Match; HEAD has the headers without the body") {
  Api api;
  auto first = api.get("/v1/records?q=zoe");
  REQUIRE(first.status == 200);
  std::string tag = first.header("ETag");
  CHECK(tag.starts_with("W/\""));
  auto again = api.get("/v1/records?q=zoe", {"If-None-Match: " + tag});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(again.header("ETag") == tag);
  CHECK(api.get("/v1/records?q=bob", {"If-None-Match: " + tag}).status == 200);
  auto one = api.get("/v1/records/crm-a/1");
  CHECK(api.get("/v1/records/crm-a/1", {"If-None-Match: " + one.header("ETag")}).status == 304);
  CHECK(api.get("/v1/sources", {"If-None-Match: " + api.get("/v1/sources").header("ETag")}).status == 304);

  // A change makes the old tag stale.
  api.index.upsert("crm-a", {person("1", "Zoë Ł. Updated", "zoe@example.com")}, kT0);
  CHECK(api.get("/v1/records?q=zoe", {"If-None-Match: " + tag}).status == 200);

  auto head = fetch(api.port, Call{"/v1/records", "HEAD"});
  auto body = api.get("/v1/records");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.header("Content-Length") == std::to_string(body.body.size()));
  CHECK(head.header("ETag") == body.header("ETag"));
  CHECK(head.header("Content-Type") == "application/json; charset=utf-8");
  CHECK(fetch(api.port, Call{"/healthz", "HEAD"}).status == 200);
}

TEST_CASE("api: the change feed, and long-polls that hold no thread") {
  Api api;
  auto all = api.get("/v1/changes");
  REQUIRE(all.status == 200);
  Json j(all.body);
  auto items = j.root["items"].get_array();
  REQUIRE(items.size() == 6);  // 3 creates + create + delete of Dora + 1 create in crm-b
  int64_t last = int64_t(j.root["last_seq"]);
  CHECK(last == int64_t(items.at(5)["seq"]));
  auto first = items.at(0);
  CHECK(int64_t(first["seq"]) == 1);
  CHECK(str(first["op"]) == "create");
  CHECK(str(first["source"]) == "crm-a");
  CHECK(str(first["external_id"]) == "1");
  CHECK(str(first["at"]) == "2027-01-15T06:00:00Z");
  CHECK(str(first["record"]["name"]) == "Zoë Łukasz");
  CHECK(str(items.at(4)["op"]) == "delete");
  CHECK(str(items.at(4)["record"]["deleted_at"]) == "2027-01-15T07:00:00Z");

  Json page(api.get("/v1/changes?after=2&limit=2").body);
  CHECK(page.root["items"].get_array().size() == 2);
  CHECK(int64_t(page.root["items"].at(0)["seq"]) == 3);
  CHECK(int64_t(page.root["last_seq"]) == last);
  Json none(api.get(fmt::format("/v1/changes?after={}", last)).body);
  CHECK(none.root["items"].get_array().size() == 0);

  SUBCASE("a waiting request answers right after a change is committed") {
    Reply r;
    std::thread client([&] { r = fetch(api.port, Call{fmt::format("/v1/changes?after={}&wait=20s", last)}); });
    REQUIRE(eventually([&] { return api.server->waiting_requests() == 1; }));
    auto t0 = SteadyClock::now();
    int64_t seq = api.index.upsert("crm-b", {person("b2", "Newcomer", "new@example.com")}, kT0);
    api.notifier.notify(seq);
    client.join();
    auto latency = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - t0);
    INFO("long-poll answered " << latency.count() << " us after the commit began");
    CHECK(latency < 250ms);
    REQUIRE(r.status == 200);
    Json k(r.body);
    REQUIRE(k.root["items"].get_array().size() == 1);
    CHECK(str(k.root["items"].at(0)["record"]["name"]) == "Newcomer");
    CHECK(int64_t(k.root["last_seq"]) == seq);
    CHECK(eventually([&] { return api.server->waiting_requests() == 0; }));  // counted until sent
  }
  SUBCASE("a notify for a seq the request already has keeps it waiting") {
    Reply r;
    std::thread client([&] { r = fetch(api.port, Call{fmt::format("/v1/changes?after={}&wait=400ms", last + 5)}); });
    REQUIRE(eventually([&] { return api.server->waiting_requests() == 1; }));
    int64_t seq = api.index.upsert("crm-b", {person("b3", "Still Early", "")}, kT0);
    api.notifier.notify(seq);
    client.join();
    CHECK(r.status == 200);
    CHECK(r.took >= 350ms);
    CHECK(Json(r.body).root["items"].get_array().size() == 0);
  }
  SUBCASE("the wait ends with an empty answer") {
    auto r = api.get(fmt::format("/v1/changes?after={}&wait=300ms", last));
    CHECK(r.status == 200);
    CHECK(r.took >= 290ms);
    CHECK(r.took < 2s);
    Json k(r.body);
    CHECK(k.root["items"].get_array().size() == 0);
    CHECK(int64_t(k.root["last_seq"]) == last);
  }
  SUBCASE("wait with changes already there answers at once") {
    auto r = api.get("/v1/changes?after=0&wait=30s&limit=1");
    CHECK(r.status == 200);
    CHECK(r.took < 1s);
  }
}

TEST_CASE("api: 100 pending long-polls do not starve other requests") {
  Api api;
  int64_t last = api.index.db().execAndGet("SELECT max(seq) FROM changes").getInt64();
  Concurrent polls(api.port);
  for (int i = 0; i < 100; ++i) polls.add(Call{fmt::format("/v1/changes?after={}&wait=30s", last)});
  polls.run_for(100ms);
  REQUIRE(eventually([&] {
    polls.run_for(10ms);
    return api.server->waiting_requests() == 100;
  }, 10s));
  CHECK(polls.done() == 0);

  // 20 other requests, each on its own connection, while the 100 wait.
  Millis slowest{0};
  for (int i = 0; i < 20; ++i) {
    auto r = api.get(i % 2 ? "/v1/records?q=zoe" : "/v1/sources");
    CHECK(r.status == 200);
    slowest = std::max(slowest, r.took);
  }
  INFO("slowest of 20 requests beside 100 long-polls: " << slowest.count() << " ms");
  CHECK(slowest < 1s);
  CHECK(polls.done() == 0);

  int64_t seq = api.index.upsert("crm-a", {person("9", "Wakes Everyone", "")}, kT0);
  auto t0 = SteadyClock::now();
  api.notifier.notify(seq);
  CHECK(polls.run_for(10s) == 100);
  INFO("100 long-polls answered in " << std::chrono::duration_cast<Millis>(SteadyClock::now() - t0).count() << " ms");
  for (size_t i = 0; i < polls.size(); ++i) {
    CHECK(polls.reply(i).status == 200);
    CHECK(polls.reply(i).body.find("Wakes Everyone") != std::string::npos);
  }
}

TEST_CASE("api: stop() answers pending long-polls; clients that left do no harm") {
  auto api = std::make_unique<Api>();
  int64_t last = api->index.db().execAndGet("SELECT max(seq) FROM changes").getInt64();

  // A client that sends a long-poll and hangs up while it waits.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(api->port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::string req = fmt::format("GET /v1/changes?after={}&wait=200ms HTTP/1.1\r\nHost: x\r\n\r\n", last);
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));

  Concurrent polls(api->port);
  for (int i = 0; i < 5; ++i) polls.add(Call{fmt::format("/v1/changes?after={}&wait=60s", last)});
  REQUIRE(eventually([&] {
    polls.run_for(10ms);
    return api->server->waiting_requests() == 6;
  }, 10s));
  ::close(fd);  // the server does not see this until the wait ends
  REQUIRE(eventually([&] { return api->server->waiting_requests() == 5; }));  // answered into the void

  std::thread stopper([&] {
    auto t0 = SteadyClock::now();
    api->server->stop();
    CHECK(SteadyClock::now() - t0 < 3s);
  });
  CHECK(polls.run_for(10s) == 5);
  stopper.join();
  for (size_t i = 0; i < polls.size(); ++i) {
    CHECK(polls.reply(i).status == 200);  // the parked ones get their (empty) answer
  }
  api.reset();
}

TEST_CASE("api: /metrics renders request counters and per-source gauges") {
  Api api;
  api.get("/v1/records");
  api.get("/v1/records?limit=0");
  api.get("/v1/records/crm-a/1");
  api.get("/v1/records/crm-a/2");
  api.get("/nope");
  auto r = api.get("/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  const std::string& m = r.body;
  CAPTURE(m);
  CHECK(m.find(R"(crm_index_api_requests_total{route="/v1/records",status="200"} 1)") != std::string::npos);
  CHECK(m.find(R"(crm_index_api_requests_total{route="/v1/records",status="400"} 1)") != std::string::npos);
  CHECK(m.find(R"(crm_index_api_requests_total{route="/v1/records/{source}/{external_id}",status="200"} 2)") != std::string::npos);
  CHECK(m.find(R"(crm_index_api_requests_total{route="unmatched",status="404"} 1)") != std::string::npos);
  CHECK(m.find(R"(crm_index_api_request_duration_seconds_count{route="/v1/records"} 2)") != std::string::npos);
  CHECK(m.find("crm-a/1") == std::string::npos);  // never the raw path
  CHECK(m.find(R"(crm_index_records{source="crm-a"} 3)") != std::string::npos);
  CHECK(m.find(R"(crm_index_records{source="crm-c"} 0)") != std::string::npos);
  CHECK(m.find(R"(crm_index_consecutive_failures{source="crm-b"} 2)") != std::string::npos);
  CHECK(m.find(R"(crm_index_source_needs_attention{source="crm-b"} 1)") != std::string::npos);
  CHECK(m.find(R"(crm_index_source_needs_attention{source="crm-a"} 0)") != std::string::npos);
  CHECK(m.find(R"(crm_index_staleness_seconds{source="crm-a"} 3600)") != std::string::npos);
  CHECK(m.find(R"(crm_index_staleness_seconds{source="crm-b"} 1800)") != std::string::npos);  // from the index
  CHECK(m.find(R"(crm_index_staleness_seconds{source="crm-c"} +Inf)") != std::string::npos);
  CHECK(m.find(R"(crm_index_last_success_timestamp_seconds{source="crm-a"} 1799996400)") != std::string::npos);
  CHECK(m.find(R"(crm_index_last_success_timestamp_seconds{source="crm-c"} 0)") != std::string::npos);

  SUBCASE("a source removed from the config loses its series") {
    api.scheduler.set({runtime("crm-a")});
    auto again = api.get("/metrics").body;
    CHECK(again.find(R"(source="crm-c")") == std::string::npos);
    CHECK(again.find(R"(crm_index_records{source="crm-a"})") != std::string::npos);
  }
}

TEST_CASE("api: without an index file the data routes answer 503, health still works") {
  Index index;
  std::string missing = (index.dir / "not-there.db").string();
  FakeScheduler scheduler;
  scheduler.set({runtime("crm-a")});
  ChangeNotifier notifier;
  Metrics metrics;
  FakeClock clock{kT0};
  ApiServer server(ApiOptions{"127.0.0.1:0", "", 2, {}}, missing, scheduler, notifier, metrics, clock);
  REQUIRE(server.start());
  for (const char* path : {"/v1/records", "/v1/sources", "/v1/records/a/b", "/v1/changes", "/v1/changes?wait=1s"}) {
    CAPTURE(path);
    auto r = get(server.port(), path);
    CHECK(r.status == 503);
    CHECK(error_code(r) == "unavailable");
  }
  CHECK(get(server.port(), "/healthz").status == 200);
  auto m = get(server.port(), "/metrics");
  CHECK(m.status == 200);
  CHECK(m.body.find(R"(crm_index_staleness_seconds{source="crm-a"} +Inf)") != std::string::npos);
  CHECK(m.body.find("crm_index_records{") == std::string::npos);
  // Once a sync creates the index, the same server reads it.
  auto late = IndexWriter::open(missing);
  REQUIRE(late);
  auto r = get(server.port(), "/v1/records");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"items":[],"next":null})");
}

TEST_CASE("api: listen addresses") {
  FakeScheduler scheduler;
  ChangeNotifier notifier;
  Metrics metrics;
  FakeClock clock{kT0};
  for (const char* bad : {"127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", "localhost:0", "[::1:0"}) {
    CAPTURE(bad);
    ApiServer s(ApiOptions{bad, "", 1, {}}, "/nonexistent", scheduler, notifier, metrics, clock);
    CHECK_FALSE(s.start());
  }
  ApiServer v6(ApiOptions{"[::1]:0", "", 1, {}}, "/nonexistent", scheduler, notifier, metrics, clock);
  if (v6.start()) CHECK(v6.port() != 0);  // IPv6 loopback may be missing in a container
}

// --- HttpServer's deferred answers -------------------------------------------------------

TEST_CASE("HttpServer: deferred answers from another thread, before and after suspending") {
  std::mutex mu;
  std::vector<std::shared_ptr<DeferredResponse>> pending;
  HttpServerOptions o;
  o.threads = 2;
  HttpServer server(o, [&](const ServerRequest& req) {
    auto d = std::make_shared<DeferredResponse>();
    if (req.path == "/now") {  // completed before the server even saw it
      d->complete(ServerResponse::json(200, R"({"now":true})"));
      return ServerResponse::later(d);
    }
    if (req.path == "/produce") {  // built on a server thread
      d->complete_with([] { return ServerResponse::json(200, R"({"produced":true})"); });
      return ServerResponse::later(d);
    }
    if (req.path == "/throw") {
      d->complete_with([]() -> ServerResponse { throw std::runtime_error("producer failed"); });
      return ServerResponse::later(d);
    }
    std::lock_guard lock(mu);
    pending.push_back(d);
    return ServerResponse::later(d);
  });
  REQUIRE(server.start());
  CHECK(get(server.port(), "/now").body == R"({"now":true})");
  CHECK(get(server.port(), "/produce").body == R"({"produced":true})");
  auto thrown = get(server.port(), "/throw");
  CHECK(thrown.status == 500);
  CHECK(thrown.body.find("producer failed") != std::string::npos);

  Reply later;
  std::thread client([&] { later = get(server.port(), "/later"); });
  REQUIRE(eventually([&] { return server.waiting() == 1; }));
  std::shared_ptr<DeferredResponse> d;
  {
    std::lock_guard lock(mu);
    d = pending.back();
  }
  CHECK_FALSE(d->done());
  std::thread completer([&] { CHECK(d->complete(ServerResponse::json(202, R"({"later":true})"))); });
  completer.join();
  client.join();
  CHECK(later.status == 202);
  CHECK(later.body == R"({"later":true})");
  CHECK(d->done());
  CHECK_FALSE(d->complete(ServerResponse::json(200, "{}")));  // only the first counts
  CHECK(eventually([&] { return server.waiting() == 0; }));  // counted until sent
}

TEST_CASE("HttpServer: stop() answers waiting requests with 503; late completions are harmless") {
  std::mutex mu;
  std::vector<std::shared_ptr<DeferredResponse>> pending;
  auto server = std::make_unique<HttpServer>(HttpServerOptions{}, [&](const ServerRequest&) {
    auto d = std::make_shared<DeferredResponse>();
    std::lock_guard lock(mu);
    pending.push_back(d);
    return ServerResponse::later(d);
  });
  REQUIRE(server->start());
  Concurrent clients(server->port());
  for (int i = 0; i < 10; ++i) clients.add(Call{"/wait"});
  REQUIRE(eventually([&] {
    clients.run_for(10ms);
    return server->waiting() == 10;
  }, 10s));
  std::thread stopper([&] { server->stop(); });
  CHECK(clients.run_for(10s) == 10);
  stopper.join();
  for (size_t i = 0; i < clients.size(); ++i) {
    CHECK(clients.reply(i).status == 503);
    CHECK(clients.reply(i).body.find("shutting_down") != std::string::npos);
  }
  server.reset();
  std::lock_guard lock(mu);
  for (auto& d : pending) CHECK_FALSE(d->complete(ServerResponse::json(200, "{}")));
}

// --- Abuse: limits and timeouts (docs/reliability.md, "The read API under abuse") ------

namespace {

// A TCP connection to 127.0.0.1:port from `source` (another loopback address is another
// client address); -1 when connect() fails.
int connect_from(uint16_t port, const char* source = "127.0.0.1") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  REQUIRE(inet_pton(AF_INET, source, &from.sin_addr) == 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, const std::string& data) { ::send(fd, data.data(), data.size(), MSG_NOSIGNAL); }

// Everything the server sends on `fd` until it closes it (or 5 s pass without a byte).
std::string read_until_closed(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

// True when the server closed (or reset) `fd` within `limit`; reads and drops any answer.
bool closed_within(int fd, Millis limit) {
  auto until = SteadyClock::now() + limit;
  char buf[4096];
  while (SteadyClock::now() < until) {
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

}  // namespace

TEST_CASE("HttpServer: oversized headers are refused without harm") {
  HttpServerOptions o;
  o.max_header_bytes = 8 * 1024;
  HttpServer server(o, [](const ServerRequest&) { return ServerResponse::json(200, "{}"); });
  REQUIRE(server.start());
  int fd = connect_from(server.port());
  REQUIRE(fd >= 0);
  std::string req = "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);  // may stop early: the server hangs up
  char buf[512];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  std::string answer = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  ::close(fd);
  INFO("answer to a 64 kB header: " << (answer.empty() ? "(connection closed)" : answer.substr(0, answer.find("\r\n"))));
  CHECK((answer.empty() || answer.starts_with("HTTP/1.1 431") || answer.starts_with("HTTP/1.1 413")));
  CHECK(get(server.port(), "/ok").status == 200);
}


TEST_CASE("HttpServer: a waiting request whose client hangs up is given up at once") {
  std::mutex mu;
  std::shared_ptr<DeferredResponse> pending;
  HttpServerOptions o;
  o.watch_interval = 20ms;
  HttpServer server(o, [&](const ServerRequest&) {
    std::lock_guard lock(mu);
    pending = std::make_shared<DeferredResponse>();
    return ServerResponse::later(pending);  // never completed by the handler's owner
  });
  REQUIRE(server.start());
  int fd = connect_from(server.port());
  REQUIRE(fd >= 0);
  send_all(fd, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(eventually([&] { return server.waiting() == 1; }));
  ::close(fd);
  CHECK(eventually([&] { return server.waiting() == 0; }, 3s));  // not when some wait ends: none does
  std::lock_guard lock(mu);
  CHECK(pending->done());
  CHECK_FALSE(pending->complete(ServerResponse::json(200, "{}")));  // too late: harmless
}

TEST_CASE("HttpServer: a request head must arrive by header_timeout, however slowly it trickles") {
  HttpServerOptions o;
  o.header_timeout = 300ms;
  o.watch_interval = 20ms;
  HttpServer server(o, [](const ServerRequest&) { return ServerResponse::json(200, "{}"); });
  REQUIRE(server.start());
  int slow = connect_from(server.port());
  REQUIRE(slow >= 0);
  send_all(slow, "GET /x HTTP/1.1\r\nHost: x\r\n");
  // One header line every 50 ms: an idle timeout would never fire; the deadline does.
  auto t0 = SteadyClock::now();
  bool closed = false;
  for (int i = 0; i < 60 && !closed; ++i) {
    send_all(slow, fmt::format("X-Slow-{}: a\r\n", i));
    closed = closed_within(slow, 50ms);
  }
  auto took = std::chrono::duration_cast<Millis>(SteadyClock::now() - t0);
  INFO("closed after " << took.count() << " ms of trickling");
  CHECK(closed);
  CHECK(took >= 250ms);  // not before its deadline
  ::close(slow);
  CHECK(get(server.port(), "/ok").status == 200);  // a head sent at once is served
}

TEST_CASE("HttpServer: per_client_limit refuses a client address its extra connections, not others") {
  HttpServerOptions o;
  o.per_client_limit = 2;
  HttpServer server(o, [](const ServerRequest&) { return ServerResponse::json(200, "{}"); });
  REQUIRE(server.start());
  int a = connect_from(server.port());
  int b = connect_from(server.port());
  REQUIRE(a >= 0);
  REQUIRE(b >= 0);
  REQUIRE(eventually([&] {  // both accepted: a request on each is answered
    send_all(a, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    send_all(b, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    char buf[512];
    return ::recv(a, buf, sizeof buf, 0) > 0 && ::recv(b, buf, sizeof buf, 0) > 0;
  }));
  int third = connect_from(server.port());  // the kernel completes the handshake ...
  REQUIRE(third >= 0);
  send_all(third, "GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(read_until_closed(third).empty());  // ... and the server closes it unanswered
  ::close(third);
  int other = connect_from(server.port(), "127.0.0.2");  // another client address
  REQUIRE(other >= 0);
  send_all(other, "GET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(read_until_closed(other).starts_with("HTTP/1.1 200"));
  for (int fd : {a, b, other}) ::close(fd);
}

TEST_CASE("HttpServer: an oversized or over-parametered target is answered at once, in JSON") {
  HttpServerOptions o;
  o.max_target_bytes = 2048;
  o.max_query_params = 64;
  std::atomic<size_t> seen{0};
  HttpServer server(o, [&](const ServerRequest& req) {
    seen = req.query.size();
    return ServerResponse::json(200, "{}");
  });
  REQUIRE(server.start());
  auto ask = [&](const std::string& target) {
    int fd = connect_from(server.port());
    REQUIRE(fd >= 0);
    send_all(fd, "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    std::string answer = read_until_closed(fd);
    ::close(fd);
    return answer;
  };
  std::string params;
  for (int i = 0; i < 64; ++i) params += fmt::format("{}p{}=x", i ? "&" : "", i);
  CHECK(ask("/x?" + params).starts_with("HTTP/1.1 200"));
  CHECK(seen == 64);
  // libmicrohttpd alone gave 600 parameters no answer: its memory pool runs out.
  std::string many;
  for (int i = 0; i < 600; ++i) many += fmt::format("{}p{}=x", i ? "&" : "", i);
  auto answer = ask("/x?" + many.substr(0, 2000));  // within max_target_bytes, > 64 parameters
  CHECK(answer.starts_with("HTTP/1.1 400"));
  CHECK(answer.find(R"({"error":{"code":"too_many_parameters")") != std::string::npos);
  answer = ask("/x?q=" + std::string(3000, 'a'));
  CHECK(answer.starts_with("HTTP/1.1 414"));
  CHECK(answer.find(R"("code":"uri_too_long")") != std::string::npos);

  HttpServer lenient(HttpServerOptions{}, [](const ServerRequest&) { return ServerResponse::json(200, "{}"); });
  REQUIRE(lenient.start());
  int fd = connect_from(lenient.port());
  REQUIRE(fd >= 0);
  send_all(fd, "GET /x?" + many + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(read_until_closed(fd).starts_with("HTTP/1.1 400"));  // default limits: 64 parameters
  ::close(fd);
}

TEST_CASE("api: long-polls beyond max_long_polls get 503 with Retry-After; one that hangs up frees its slot") {
  ApiLimits limits;
  limits.max_long_polls = 2;
  Api api("", true, limits);
  int64_t last = api.index.db().execAndGet("SELECT max(seq) FROM changes").getInt64();
  const std::string poll = fmt::format("GET /v1/changes?after={}&wait=30s HTTP/1.1\r\nHost: x\r\n\r\n", last);
  int first = connect_from(api.port);
  int second = connect_from(api.port);
  REQUIRE(first >= 0);
  REQUIRE(second >= 0);
  send_all(first, poll);
  send_all(second, poll);
  REQUIRE(eventually([&] { return api.server->waiting_requests() == 2; }));

  auto busy = api.get(fmt::format("/v1/changes?after={}&wait=30s", last));
  CHECK(busy.status == 503);
  CHECK(busy.header("Retry-After") == "5");
  CHECK(busy.body.find(R"("code":"too_many_long_polls")") != std::string::npos);
  CHECK(api.get(fmt::format("/v1/changes?after={}", last)).status == 200);  // without wait: served

  ::close(first);  // its slot comes free without waiting 30 s
  REQUIRE(eventually([&] { return api.server->waiting_requests() == 1; }, 3s));
  Concurrent again(api.port);
  again.add(Call{fmt::format("/v1/changes?after={}&wait=30s", last)});
  CHECK(eventually([&] {
    again.run_for(10ms);
    return api.server->waiting_requests() == 2;
  }));
  CHECK(again.done() == 0);
  ::close(second);
  api.server->stop();
  CHECK(again.run_for(5s) == 1);
  CHECK(again.reply(0).status == 200);
}
