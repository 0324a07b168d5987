// The scheduler's timing against a real SQLite index, on fake time, with connectors the
// test scripts: staggered first runs, the next run after ok and refused runs, a reload
// retrying a source that needs attention, removal, and stop() cutting a run short.
// Real threads run the sources; every wait for them is bounded.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <thread>

#include "connectors/registry.h"
#include "sync/scheduler.h"

using namespace crm;
using namespace std::chrono_literals;

namespace {

const TimePoint kT0 = from_ms(1'800'000'000'000);

// A CRM whose one page is what `answer` returns for each call.
class ScriptedCrm final : public Connector {
 public:
  explicit ScriptedCrm(std::function<Result<Page>()> answer) : answer_(std::move(answer)) {}
  Result<Page> next_page(const Cursor&) override { return answer_(); }

 private:
  std::function<Result<Page>()> answer_;
};

Page two_records() {
  Page p;
  for (const char* id : {"1", "2"}) {
    Record r;
    r.external_id = id;
    r.name = std::string("Customer ") + id;
    r.remote_updated_at = kT0 - 1h;
    p.records.push_back(r);
  }
  p.high_water = kT0 - 1h;
  return p;
}

SourceConfig source_named(const std::string& name) {
  SourceConfig s;
  s.name = name;
  s.type = "rest";
  s.settings.interval = 1h;
  s.settings.jitter = 0;
  s.settings.auth_retry = 2h;
  return s;
}

Config config_of(std::vector<SourceConfig> sources) {
  Config c;
  c.sources = std::move(sources);
  return c;
}

struct Fixture {
  std::filesystem::path dir;
  FakeClock clock{kT0};
  FakeSleeper sleeper;
  Metrics metrics;
  std::timed_mutex writer_mutex;
  std::unique_ptr<IndexWriter> writer;
  std::unique_ptr<SourceRunner> runner;
  // What each source's connector answers; a test sets it before the run.
  std::function<Result<Page>()> answer = [] { return Result<Page>(two_records()); };

  Fixture() {
    dir = std::filesystem::temp_directory_path() / ("crm-scheduler-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto w = IndexWriter::open((dir / "index.db").string());
    REQUIRE(w);
    writer = std::move(*w);
    runner = std::make_unique<SourceRunner>(*writer, &writer_mutex, clock, &metrics);
  }
  ~Fixture() {
    runner.reset();
    writer.reset();
    std::filesystem::remove_all(dir);
  }

  std::unique_ptr<Scheduler> scheduler(SchedulerOptions options = {0, 0ms}) {
    if (options.workers == 0) options.workers = 2;
    return std::make_unique<Scheduler>(options, *runner, sleeper, clock, metrics, [this](const SourceConfig& s) {
      auto ctx = std::make_unique<SourceContext>();
      ctx->config = s;
      ctx->type = find_connector_type("rest");
      ctx->connector = std::make_unique<ScriptedCrm>([this] { return answer(); });
      return Result<std::unique_ptr<SourceContext>>(std::move(ctx));
    });
  }
};

std::optional<SourceRuntime> runtime_of(const Scheduler& scheduler, const std::string& name) {
  for (auto& r : scheduler.snapshot())
    if (r.name == name) return r;
  return std::nullopt;
}

// Waits (up to 20 s of real time) until `done` holds for the source's runtime.
bool wait_for(const Scheduler& scheduler, const std::string& name, const std::function<bool(const SourceRuntime&)>& done) {
  for (int i = 0; i < 2000; ++i) {
    if (auto r = runtime_of(scheduler, name); r && done(*r)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

bool ran(const SourceRuntime& r) { return r.last_run_end.has_value() && !r.running; }

}  // namespace

TEST_CASE("scheduler: the first runs are spread over first_run_spread, in config order") {
  Fixture f;
  auto scheduler = f.scheduler({2, 9s});
  scheduler->apply_config(config_of({source_named("c"), source_named("a"), source_named("b")}));
  CHECK(runtime_of(*scheduler, "c")->next_run_at == kT0);
  CHECK(runtime_of(*scheduler, "a")->next_run_at == kT0 + 3s);
  CHECK(runtime_of(*scheduler, "b")->next_run_at == kT0 + 6s);
}

TEST_CASE("scheduler: an ok run is followed by one interval, and its counts reach the metrics") {
  Fixture f;
  auto scheduler = f.scheduler();
  scheduler->apply_config(config_of({source_named("crm")}));
  scheduler->start();
  REQUIRE(wait_for(*scheduler, "crm", ran));
  auto r = *runtime_of(*scheduler, "crm");
  CHECK(r.last_error.empty());
  CHECK(r.consecutive_failures == 0);
  CHECK(r.last_success == kT0);
  CHECK(r.next_run_at == kT0 + 1h);
  CHECK_FALSE(r.stale);
  scheduler->stop();
  const std::string m = f.metrics.render();
  CHECK(m.find("crm_index_runs_total{source=\"crm\",status=\"ok\"} 1") != std::string::npos);
  CHECK(m.find("crm_index_records_created_total{source=\"crm\"} 2") != std::string::npos);
  CHECK(m.find("crm_index_consecutive_failures{source=\"crm\"} 0") != std::string::npos);
}

TEST_CASE("scheduler: a refused source needs attention, waits auth_retry, and a reload retries it at once") {
  Fixture f;
  f.answer = [] { return Result<Page>(Error::auth("list: HTTP 401: invalid token")); };
  auto scheduler = f.scheduler();
  scheduler->apply_config(config_of({source_named("crm")}));
  scheduler->start();
  REQUIRE(wait_for(*scheduler, "crm", ran));
  auto r = *runtime_of(*scheduler, "crm");
  REQUIRE(r.needs_attention);
  CHECK(r.needs_attention->kind == "auth");
  CHECK(r.consecutive_failures == 1);
  CHECK(r.next_run_at == kT0 + 2h);
  CHECK(f.metrics.render().find("crm_index_source_needs_attention{source=\"crm\"} 1") != std::string::npos);

  // Someone fixed the token and reloaded: the source runs now, and succeeds.
  f.answer = [] { return Result<Page>(two_records()); };
  f.clock.advance(1min);
  scheduler->apply_config(config_of({source_named("crm")}));
  REQUIRE(wait_for(*scheduler, "crm", [](const SourceRuntime& s) { return s.last_success.has_value(); }));
  r = *runtime_of(*scheduler, "crm");
  CHECK_FALSE(r.needs_attention);
  CHECK(r.consecutive_failures == 0);
  CHECK(r.next_run_at == kT0 + 1min + 1h);
  scheduler->stop();
}

TEST_CASE("scheduler: a transient failure backs off, doubling") {
  Fixture f;
  f.answer = [] { return Result<Page>(Error::transient("list: HTTP 503")); };
  auto scheduler = f.scheduler();
  auto source = source_named("crm");
  source.settings.interval = 1min;
  scheduler->apply_config(config_of({source}));
  scheduler->start();
  REQUIRE(wait_for(*scheduler, "crm", ran));
  CHECK(runtime_of(*scheduler, "crm")->next_run_at == kT0 + 1min);
  f.clock.advance(1min);
  REQUIRE(wait_for(*scheduler, "crm", [](const SourceRuntime& s) { return s.consecutive_failures == 2 && !s.running; }));
  CHECK(runtime_of(*scheduler, "crm")->next_run_at == kT0 + 1min + 2min);
  scheduler->stop();
}

TEST_CASE("scheduler: a source removed from the config leaves the snapshot and the metrics") {
  Fixture f;
  auto scheduler = f.scheduler();
  scheduler->apply_config(config_of({source_named("kept"), source_named("gone")}));
  scheduler->start();
  REQUIRE(wait_for(*scheduler, "gone", ran));
  REQUIRE(wait_for(*scheduler, "kept", ran));
  CHECK(f.metrics.render().find("source=\"gone\"") != std::string::npos);
  scheduler->apply_config(config_of({source_named("kept")}));
  CHECK_FALSE(runtime_of(*scheduler, "gone"));
  CHECK(runtime_of(*scheduler, "kept"));
  CHECK(f.metrics.render().find("source=\"gone\"") == std::string::npos);
  scheduler->stop();
}

TEST_CASE("scheduler: stop() stops the sleeper and ends the run in flight between pages") {
  Fixture f;
  std::atomic<int> pages{0};
  // An endless listing that pages until the shutdown: the run ends at a page boundary.
  f.answer = [&] {
    Page p = two_records();
    p.next = std::to_string(++pages);
    std::this_thread::sleep_for(2ms);
    return Result<Page>(std::move(p));
  };
  auto scheduler = f.scheduler();
  scheduler->apply_config(config_of({source_named("crm")}));
  scheduler->start();
  REQUIRE(wait_for(*scheduler, "crm", [](const SourceRuntime& s) { return s.running; }));
  for (int i = 0; i < 5000 && pages.load() < 3; ++i) std::this_thread::sleep_for(1ms);
  scheduler->stop();
  CHECK(f.sleeper.stopped());
  auto r = *runtime_of(*scheduler, "crm");
  CHECK_FALSE(r.running);
  CHECK(r.last_error.find("interrupted") != std::string::npos);
}

TEST_CASE("scheduler: a hint brings the next run forward by `delay`; a burst makes one run") {
  Fixture f;
  std::atomic<int> calls{0};
  f.answer = [&] {
    ++calls;
    return Result<Page>(two_records());
  };
  auto scheduler = f.scheduler();
  scheduler->apply_config(config_of({source_named("crm")}));
  scheduler->start();
  REQUIRE(wait_for(*scheduler, "crm", ran));
  REQUIRE(calls == 1);
  CHECK(runtime_of(*scheduler, "crm")->next_run_at == kT0 + 1h);

  const HintTiming timing{2s, 10s};
  CHECK(scheduler->hint("crm", timing) == HintOutcome::accepted);
  for (int i = 0; i < 99; ++i) CHECK(scheduler->hint("crm", timing) == HintOutcome::coalesced);
  CHECK(runtime_of(*scheduler, "crm")->next_run_at == kT0 + 2s);
  CHECK(scheduler->hint("nope", timing) == HintOutcome::unknown);
  f.clock.advance(2s);
  REQUIRE(wait_for(*scheduler, "crm", [&](const SourceRuntime& r) { return calls == 2 && !r.running; }));
  // The next hinted run waits for min_interval after the last one began.
  CHECK(scheduler->hint("crm", timing) == HintOutcome::accepted);
  CHECK(runtime_of(*scheduler, "crm")->next_run_at == kT0 + 12s);
  f.clock.advance(10s);
  REQUIRE(wait_for(*scheduler, "crm", [&](const SourceRuntime& r) { return calls == 3 && !r.running; }));
  CHECK(runtime_of(*scheduler, "crm")->next_run_at == kT0 + 12s + 1h);
  scheduler->stop();
  CHECK(calls == 3);
  CHECK(f.metrics.render().find("crm_index_hint_to_index_seconds_count{source=\"crm\"} 2") != std::string::npos);
}
