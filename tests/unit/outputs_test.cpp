// Events out (src/outputs): the Standard Webhooks signature against the specification's
// own example, and OutputDelivery over a real index file with a scripted sink: order,
// retries, dead letters, filters, replays and the stored position.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <thread>
#include <unistd.h>

#include "core/metrics.h"
#include "outputs/output_delivery.h"
#include "outputs/webhook_signature.h"
#include "store/change_notifier.h"
#include "store/index_writer.h"
#include "store/output_store.h"

using namespace crm;
using namespace std::chrono_literals;

namespace {

// The example of the Standard Webhooks specification and its reference libraries.
TEST_CASE("sign_webhook: the Standard Webhooks example signature") {
  const std::string key = [] {
    // whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, decoded from base64
    static const unsigned char bytes[] = {0x31, 0xf2, 0x90, 0xf6, 0xbf, 0x06, 0x29, 0x8a, 0xab, 0x4f, 0x08, 0xd4,
                                          0x3c, 0x3f, 0x08, 0x2c, 0xf6, 0x48, 0xa3, 0x62, 0xda, 0x2d, 0xa4, 0xb0};
    return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
  }();
  CHECK(sign_webhook(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  CHECK(sign_webhook(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, R"({"test": 2432232314})") !=
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

// A sink that refuses what `refuse` says and records every event it took, in order. A
// batch is all or nothing, as the interface says.
class ScriptedSink : public OutputSink {
 public:
  explicit ScriptedSink(size_t batch = 1) : batch_(batch) {}
  size_t max_batch() const override { return batch_; }
  Status deliver(std::span<const OutgoingEvent> events, const std::atomic<bool>&) override {
    std::lock_guard lock(mu);
    ++batches;
    bool refused = false;
    for (const auto& e : events) {
      ++attempts[e.seq];
      if (refuse_always.count(e.seq) || attempts[e.seq] <= refuse_first[e.seq]) refused = true;
    }
    if (refused) return Error::transient(fmt::format("HTTP 500 for {}", events.front().seq));
    for (const auto& e : events) {
      taken.push_back(e.seq);
      bodies.push_back(e.body);
    }
    return {};
  }
  std::vector<int64_t> taken_now() {
    std::lock_guard lock(mu);
    return taken;
  }
  std::mutex mu;
  std::map<int64_t, int> attempts, refuse_first;
  std::set<int64_t> refuse_always;
  std::vector<int64_t> taken;
  std::vector<std::string> bodies;
  int batches = 0;

 private:
  size_t batch_;
};

struct Index {
  std::string path;
  std::unique_ptr<IndexWriter> writer;
  ChangeNotifier notifier;
  SystemClock clock;
  Metrics metrics;
  int64_t source_id = 0;
  int next_id = 1;

  Index() {
    path = (std::filesystem::temp_directory_path() / fmt::format("crm-outputs-{}-{}.db", getpid(), rand())).string();
    auto w = IndexWriter::open(path);
    REQUIRE(w);
    writer = std::move(*w);
    writer->set_notifier(&notifier);
    auto src = writer->ensure_source("legacy", "rest", clock.now());
    REQUIRE(src);
    source_id = src->id;
  }
  ~Index() {
    writer.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  // `n` new records: n create events.
  void create(int n) {
    auto run = writer->begin_run(source_id, SyncMode::full, clock.now());
    REQUIRE(run);
    std::vector<Record> records(n);
    PageCommit page;
    page.source_id = source_id;
    page.run_id = *run;
    page.crm_type = "rest";
    page.now = clock.now();
    for (auto& r : records) {
      r.external_id = std::to_string(next_id++);
      r.name = "Person " + r.external_id;
      r.remote_updated_at = clock.now();
      page.writes.push_back(RecordWrite{&r, 0, Hash128{}, ChangeOp::create});
    }
    REQUIRE(writer->commit(page));
  }
  int64_t position(const std::string& name) {
    auto store = OutputStore::open(path);
    REQUIRE(store);
    auto p = (*store)->position(name);
    REQUIRE(p);
    return *p;
  }
};

OutputSpec spec(int max_attempts = 0) {
  OutputSpec s;
  s.name = "hook";
  s.type = "webhook";
  s.max_attempts = max_attempts;
  s.first_backoff = 1ms;
  s.max_backoff = 5ms;
  return s;
}

template <class Pred>
bool eventually(Pred pred, Millis within = 10s) {
  auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

std::vector<int64_t> seqs(int64_t from, int64_t to) {
  std::vector<int64_t> v;
  for (int64_t s = from; s <= to; ++s) v.push_back(s);
  return v;
}

}  // namespace

TEST_CASE("OutputDelivery: every event in seq order, retried until taken, the position stored") {
  Index ix;
  ix.create(30);
  auto sink = std::make_unique<ScriptedSink>();
  ScriptedSink& s = *sink;
  s.refuse_first[7] = 3;  // three failures, then taken
  OutputDelivery d(spec(), std::move(sink), ix.path, ix.notifier, ix.metrics, ix.clock);
  d.start();
  REQUIRE(eventually([&] { return d.status().position == 30; }));
  CHECK(s.taken_now() == seqs(1, 30));
  CHECK(s.attempts[7] == 4);
  ix.create(5);  // the feed grows: the notifier wakes the thread
  REQUIRE(eventually([&] { return d.status().position == 35; }));
  d.stop();
  CHECK(s.taken_now() == seqs(1, 35));
  CHECK(ix.position("hook") == 35);
  CHECK(d.status().last_error.empty());
  CHECK(d.status().delivered == 35);
  CHECK(ix.metrics.render().find("crm_index_output_failures_total{output=\"hook\"} 3") != std::string::npos);

  // The body: the change as GET /v1/changes shows it, with the index's id.
  auto store = OutputStore::open(ix.path);
  REQUIRE(store);
  auto id = (*store)->index_id();
  REQUIRE(id);
  CHECK(id->size() == 32);
  CHECK(s.bodies.front().find("\"seq\":1,\"op\":\"create\",\"source\":\"legacy\",\"external_id\":\"1\"") != std::string::npos);
  CHECK(s.bodies.front().find("\"index_id\":\"" + *id + "\"") != std::string::npos);

  // A new delivery (a restart) resumes from the stored position: nothing twice.
  auto again = std::make_unique<ScriptedSink>();
  ScriptedSink& s2 = *again;
  OutputDelivery d2(spec(), std::move(again), ix.path, ix.notifier, ix.metrics, ix.clock);
  d2.start();
  ix.create(2);
  REQUIRE(eventually([&] { return d2.status().position == 37; }));
  d2.stop();
  CHECK(s2.taken_now() == seqs(36, 37));
}

TEST_CASE("OutputDelivery: max_attempts dead-letters an event, the next proceeds; a replay delivers it") {
  Index ix;
  ix.create(10);
  auto sink = std::make_unique<ScriptedSink>();
  ScriptedSink& s = *sink;
  s.refuse_always = {4};
  OutputDelivery d(spec(3), std::move(sink), ix.path, ix.notifier, ix.metrics, ix.clock);
  d.start();
  REQUIRE(eventually([&] { return d.status().position == 10; }));
  CHECK(s.attempts[4] == 3);
  CHECK(d.status().dead_letters == 1);
  CHECK(d.status().last_error.empty());  // the events after it were taken
  std::vector<int64_t> want = seqs(1, 10);
  want.erase(want.begin() + 3);
  CHECK(s.taken_now() == want);

  {
    std::lock_guard lock(s.mu);
    s.refuse_always.clear();
  }
  auto store = OutputStore::open(ix.path);
  REQUIRE(store);
  auto replay = (*store)->request_replay("hook", std::nullopt, ix.clock.now());
  REQUIRE(replay);
  CHECK(replay->dead_letters == 1);
  REQUIRE(eventually([&] { return d.status().dead_letters == 0; }));
  CHECK(s.taken_now().back() == 4);

  // --from 8: 8, 9, 10 once more, in order.
  auto from = (*store)->request_replay("hook", 8, ix.clock.now());
  REQUIRE(from);
  CHECK(from->rewound_to == 7);
  REQUIRE(eventually([&] { return s.taken_now().size() == 13; }));
  d.stop();
  auto taken = s.taken_now();
  CHECK(std::vector<int64_t>(taken.end() - 3, taken.end()) == seqs(8, 10));
  auto rows = (*store)->list();
  REQUIRE(rows);
  REQUIRE(rows->size() == 1);
  CHECK(rows->front().dead_letters == 0);
  CHECK(rows->front().position == 10);
}

TEST_CASE("OutputDelivery: batches are taken whole, retried whole, in order") {
  Index ix;
  ix.create(30);
  auto sink = std::make_unique<ScriptedSink>(10);
  ScriptedSink& s = *sink;
  s.refuse_first[15] = 1;  // the second batch fails once
  OutputSpec batched = spec();
  batched.commit_every = 10;
  OutputDelivery d(batched, std::move(sink), ix.path, ix.notifier, ix.metrics, ix.clock);
  d.start();
  REQUIRE(eventually([&] { return d.status().position == 30; }));
  d.stop();
  CHECK(s.taken_now() == seqs(1, 30));
  CHECK(s.attempts[11] == 2);
  CHECK(s.attempts[21] == 1);
  CHECK(ix.position("hook") == 30);
  CHECK(d.status().delivered == 30);
}

TEST_CASE("OutputDelivery: filters skip events but move the position; stop() ends retries") {
  Index ix;
  ix.create(5);
  auto sink = std::make_unique<ScriptedSink>();
  ScriptedSink& s = *sink;
  OutputSpec only_updates = spec();
  only_updates.ops = {"update"};
  OutputDelivery d(only_updates, std::move(sink), ix.path, ix.notifier, ix.metrics, ix.clock);
  d.start();
  REQUIRE(eventually([&] { return d.status().position == 5; }));
  d.stop();
  CHECK(s.taken_now().empty());

  // An output that never takes anything: stop() returns while it is retrying for ever.
  auto stuck = std::make_unique<ScriptedSink>();
  stuck->refuse_always = {1, 2, 3, 4, 5};
  OutputSpec forever = spec(0);
  forever.name = "nats";
  OutputDelivery d2(forever, std::move(stuck), ix.path, ix.notifier, ix.metrics, ix.clock);
  d2.start();
  REQUIRE(eventually([&] { return !d2.status().last_error.empty(); }));
  auto t0 = std::chrono::steady_clock::now();
  d2.stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  CHECK(ix.position("nats") == 0);
  CHECK(ix.metrics.render().find("crm_index_output_lag_events{output=\"nats\"} 5") != std::string::npos);
}
