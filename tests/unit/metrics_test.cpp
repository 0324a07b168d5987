// Metrics: the exposition text line by line, label escaping, cumulative histogram
// buckets, forget(), a concurrency smoke test, and (when promtool is installed) the
// verdict of `promtool check metrics` on the daemon's families.
#include "core/metrics.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace crm;
using T = Metrics::Type;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("metrics: values are formatted so that Prometheus parses them") {
  struct Case {
    double in;
    const char* out;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const Case cases[] = {
      {0, "0"},
      {-0.0, "0"},
      {1, "1"},
      {-3, "-3"},
      {1234567890123, "1234567890123"},  // a timestamp in ms: no exponent
      {1763630043, "1763630043"},
      {9007199254740991.0, "9007199254740991"},  // 2^53 - 1, still exact
      {0.5, "0.5"},
      {0.001, "0.001"},
      {0.1 + 0.2, "0.30000000000000004"},  // shortest form that reads back the same
      {1e300, "1e+300"},
      {inf, "+Inf"},
      {-inf, "-Inf"},
      {std::nan(""), "NaN"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.out);
    CHECK(format_metric_value(c.in) == c.out);
  }
}

TEST_CASE("metrics: exposition text, families sorted by name, series by labels") {
  Metrics m;
  m.declare("b_total", T::counter, "Things counted.");
  m.declare("a_gauge", T::gauge, "A level.");
  m.declare("c_unused", T::gauge, "Never set: left out.");
  m.counter_add("b_total", {{"source", "zz"}});
  m.counter_add("b_total", {{"source", "aa"}}, 2.5);
  m.counter_add("b_total", {{"source", "zz"}}, 2);
  m.gauge_set("a_gauge", {}, 7);
  m.gauge_set("a_gauge", {}, 3);  // a gauge keeps the last value
  m.gauge_set("undeclared", {{"x", "1"}}, 1);

  const std::vector<std::string> want = {
      "# HELP a_gauge A level.",
      "# TYPE a_gauge gauge",
      "a_gauge 3",
      "# HELP b_total Things counted.",
      "# TYPE b_total counter",
      "b_total{source=\"aa\"} 2.5",
      "b_total{source=\"zz\"} 3",
      "# TYPE undeclared gauge",
      "undeclared{x=\"1\"} 1",
  };
  CHECK(lines_of(m.render()) == want);
  CHECK(m.render().ends_with("\n"));
}

TEST_CASE("metrics: labels are sorted by name, so both orders are one series") {
  Metrics m;
  m.counter_add("runs_total", {{"status", "ok"}, {"source", "a"}});
  m.counter_add("runs_total", {{"source", "a"}, {"status", "ok"}});
  m.counter_add("runs_total", {{"source", "a"}, {"status", "failed"}});
  const std::vector<std::string> want = {
      "# TYPE runs_total counter",
      "runs_total{source=\"a\",status=\"failed\"} 1",
      "runs_total{source=\"a\",status=\"ok\"} 2",
  };
  CHECK(lines_of(m.render()) == want);
}

TEST_CASE("metrics: label values and help text are escaped per the text format") {
  Metrics m;
  m.declare("esc", T::gauge, "Help with \\ backslash,\nnewline and \"quotes\".");
  m.gauge_set("esc", {{"v", "a\\b\"c\nd"}}, 1);
  const std::vector<std::string> want = {
      // HELP escapes backslash and newline only; quotes stay.
      "# HELP esc Help with \\\\ backslash,\\nnewline and \"quotes\".",
      "# TYPE esc gauge",
      "esc{v=\"a\\\\b\\\"c\\nd\"} 1",
  };
  CHECK(lines_of(m.render()) == want);
}

TEST_CASE("metrics: histogram buckets are cumulative, with +Inf, _sum and _count") {
  Metrics m;
  m.declare("lat_seconds", T::histogram, "Latency.", {1, 0.1, 0.5, 0.5});  // sorted, deduplicated
  for (double v : {0.05, 0.1, 0.3, 0.7, 2.0, 5.0}) m.histogram_observe("lat_seconds", {{"route", "/x"}}, v);
  const std::vector<std::string> want = {
      "# HELP lat_seconds Latency.",
      "# TYPE lat_seconds histogram",
      "lat_seconds_bucket{route=\"/x\",le=\"0.1\"} 2",  // 0.1 counts in le="0.1"
      "lat_seconds_bucket{route=\"/x\",le=\"0.5\"} 3",
      "lat_seconds_bucket{route=\"/x\",le=\"1\"} 4",
      "lat_seconds_bucket{route=\"/x\",le=\"+Inf\"} 6",
      "lat_seconds_sum{route=\"/x\"} 8.15",
      "lat_seconds_count{route=\"/x\"} 6",
  };
  CHECK(lines_of(m.render()) == want);
}

TEST_CASE("metrics: a histogram without labels, and one used before it was declared") {
  Metrics m;
  m.histogram_observe("auto_seconds", {}, 0.2);  // default buckets .005 … 10
  m.declare("auto_seconds", T::histogram, "Declared late.");
  auto lines = lines_of(m.render());
  REQUIRE(lines.size() == 2 + 11 + 1 + 2);
  CHECK(lines[0] == "# HELP auto_seconds Declared late.");
  CHECK(lines[2] == "auto_seconds_bucket{le=\"0.005\"} 0");
  CHECK(lines[7] == "auto_seconds_bucket{le=\"0.25\"} 1");
  CHECK(lines[13] == "auto_seconds_bucket{le=\"+Inf\"} 1");
  CHECK(lines[14] == "auto_seconds_sum 0.2");
  CHECK(lines[15] == "auto_seconds_count 1");
}

TEST_CASE("metrics: misuse is ignored and the exposition stays valid") {
  Metrics m;
  m.declare("g", T::gauge, "A gauge.");
  m.counter_add("g", {}, 1);                   // wrong type
  m.histogram_observe("g", {}, 1);             // wrong type
  m.counter_add("c_total", {}, -1);            // counters never go down
  m.counter_add("c_total", {}, std::nan(""));  // nor become NaN
  m.gauge_set("bad-name", {}, 1);              // invalid metric name
  m.gauge_set("g2", {{"bad-label", "x"}}, 1);  // invalid label name
  m.gauge_set("g3", {{"le", "x"}}, 1);         // reserved for histograms
  m.declare("g", T::counter, "Redeclared with another type: ignored.");
  CHECK(m.render().empty());
  m.gauge_set("g", {}, std::nan(""));
  CHECK(lines_of(m.render()) == std::vector<std::string>{"# HELP g A gauge.", "# TYPE g gauge", "g NaN"});
}

TEST_CASE("metrics: forget removes every series carrying the label pair") {
  Metrics m;
  declare_crm_metrics(m);
  for (const char* src : {"keep", "gone"}) {
    m.counter_add("crm_index_runs_total", {{"source", src}, {"status", "ok"}});
    m.counter_add("crm_index_runs_total", {{"source", src}, {"status", "failed"}});
    m.gauge_set("crm_index_records", {{"source", src}}, 10);
    m.histogram_observe("crm_index_run_duration_seconds", {{"source", src}}, 1.5);
  }
  m.counter_add("crm_index_api_requests_total", {{"route", "gone"}, {"status", "200"}});
  m.forget("source", "gone");

  std::string text = m.render();
  CHECK(text.find("source=\"gone\"") == std::string::npos);
  CHECK(text.find("crm_index_runs_total{source=\"keep\",status=\"failed\"} 1") != std::string::npos);
  CHECK(text.find("crm_index_records{source=\"keep\"} 10") != std::string::npos);
  CHECK(text.find("crm_index_run_duration_seconds_count{source=\"keep\"} 1") != std::string::npos);
  CHECK(text.find("crm_index_api_requests_total{route=\"gone\",status=\"200\"} 1") != std::string::npos);

  // A family whose last series went is left out entirely, HELP and TYPE included.
  m.forget("source", "keep");
  CHECK(m.render() == "# HELP crm_index_api_requests_total Requests served by the API, by route "
                      "and HTTP status.\n# TYPE crm_index_api_requests_total counter\n"
                      "crm_index_api_requests_total{route=\"gone\",status=\"200\"} 1\n");
}

TEST_CASE("metrics: declare_crm_metrics declares every family with help text") {
  Metrics m;
  declare_crm_metrics(m);
  struct Family {
    const char* name;
    const char* type;
  };
  const Family families[] = {
      {"crm_index_runs_total", "counter"},
      {"crm_index_records_fetched_total", "counter"},
      {"crm_index_records_created_total", "counter"},
      {"crm_index_records_updated_total", "counter"},
      {"crm_index_records_deleted_total", "counter"},
      {"crm_index_records_skipped_total", "counter"},
      {"crm_index_api_requests_total", "counter"},
      {"crm_index_last_success_timestamp_seconds", "gauge"},
      {"crm_index_last_run_duration_seconds", "gauge"},
      {"crm_index_consecutive_failures", "gauge"},
      {"crm_index_records", "gauge"},
      {"crm_index_staleness_seconds", "gauge"},
      {"crm_index_source_up", "gauge"},
      {"crm_index_source_needs_attention", "gauge"},
      {"crm_index_config_last_reload_successful", "gauge"},
      {"crm_index_config_last_reload_success_timestamp_seconds", "gauge"},
      {"crm_index_api_request_duration_seconds", "histogram"},
      {"crm_index_run_duration_seconds", "histogram"},
  };
  for (const auto& f : families) {
    CAPTURE(f.name);
    std::string n = f.name;
    if (std::string(f.type) == "counter") m.counter_add(n, {});
    if (std::string(f.type) == "gauge") m.gauge_set(n, {}, 1);
    if (std::string(f.type) == "histogram") m.histogram_observe(n, {}, 0.01);
    std::string text = m.render();
    CHECK(text.find("# TYPE " + n + " " + f.type + "\n") != std::string::npos);  // declared type kept
    CHECK(text.find("# HELP " + n + " ") != std::string::npos);
  }
  std::string text = m.render();
  CHECK(text.find("crm_index_api_request_duration_seconds_bucket{le=\"0.001\"} 0") != std::string::npos);
  CHECK(text.find("crm_index_api_request_duration_seconds_bucket{le=\"10\"} 1") != std::string::npos);
  CHECK(text.find("crm_index_run_duration_seconds_bucket{le=\"0.1\"} 1") != std::string::npos);
  CHECK(text.find("crm_index_run_duration_seconds_bucket{le=\"3600\"} 1") != std::string::npos);
}

TEST_CASE("metrics: concurrent updates, renders and forgets lose no increment") {
  Metrics m;
  declare_crm_metrics(m);
  constexpr int kThreads = 8;
  constexpr int kIterations = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m, t] {
      const std::string mine = "s" + std::to_string(t % 2);
      for (int i = 0; i < kIterations; ++i) {
        m.counter_add("crm_index_api_requests_total", {{"route", "/v1/records"}, {"status", "200"}});
        m.histogram_observe("crm_index_api_request_duration_seconds", {{"route", "/v1/records"}}, 0.002);
        m.gauge_set("crm_index_records", {{"source", mine}}, i);
        m.gauge_set("crm_index_records", {{"source", "temp"}}, i);
        if (i % 100 == 0) {
          m.forget("source", "temp");
          (void)m.render();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::string text = m.render();
  const std::string total = std::to_string(kThreads * kIterations);
  CHECK(text.find("crm_index_api_requests_total{route=\"/v1/records\",status=\"200\"} " + total + "\n") !=
        std::string::npos);
  CHECK(text.find("crm_index_api_request_duration_seconds_count{route=\"/v1/records\"} " + total + "\n") !=
        std::string::npos);
  CHECK(text.find("crm_index_api_request_duration_seconds_bucket{route=\"/v1/records\",le=\"0.0025\"} " +
                  total + "\n") != std::string::npos);
  CHECK(text.find("crm_index_records{source=\"s0\"} " + std::to_string(kIterations - 1)) != std::string::npos);
}

// promtool (Debian package `prometheus`) parses and lints the exposition. It is not a
// build dependency: without it this test only says that it skipped.
TEST_CASE("metrics: promtool check metrics accepts the daemon's families") {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: promtool not installed (apt-get install prometheus to run this check)");
    return;
  }
  Metrics m;
  declare_crm_metrics(m);
  const Metrics::Labels src = {{"source", "sf-emea \"eu\"\\\n"}};
  m.counter_add("crm_index_runs_total", {{"source", "sf-emea"}, {"status", "ok"}});
  m.counter_add("crm_index_records_fetched_total", src, 2000);
  m.counter_add("crm_index_records_created_total", src, 2000);
  m.counter_add("crm_index_records_updated_total", src, 0);
  m.counter_add("crm_index_records_deleted_total", src, 0);
  m.counter_add("crm_index_records_skipped_total", src, 1);
  m.counter_add("crm_index_api_requests_total", {{"route", "/v1/records"}, {"status", "200"}});
  m.gauge_set("crm_index_last_success_timestamp_seconds", src, 1763630043.25);
  m.gauge_set("crm_index_last_run_duration_seconds", src, 0.41);
  m.gauge_set("crm_index_consecutive_failures", src, 0);
  m.gauge_set("crm_index_records", src, 2000);
  m.gauge_set("crm_index_staleness_seconds", src, std::numeric_limits<double>::infinity());
  m.gauge_set("crm_index_source_up", src, 1);
  m.gauge_set("crm_index_config_last_reload_successful", {}, 1);
  m.gauge_set("crm_index_config_last_reload_success_timestamp_seconds", {}, 1763630043);
  m.histogram_observe("crm_index_api_request_duration_seconds", {{"route", "/metrics"}}, 0.0004);
  m.histogram_observe("crm_index_run_duration_seconds", src, 0.41);

  char path[] = "/tmp/crm-metrics-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::FILE* f = fdopen(fd, "w");
  REQUIRE(f);
  std::string text = m.render();
  CHECK(std::fwrite(text.data(), 1, text.size(), f) == text.size());
  std::fclose(f);
  std::string cmd = std::string("promtool check metrics < ") + path + " > " + path + ".out 2>&1";
  int rc = std::system(cmd.c_str());
  std::string out;
  if (std::FILE* o = std::fopen((std::string(path) + ".out").c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, o)) > 0) out.append(buf, n);
    std::fclose(o);
  }
  std::remove(path);
  std::remove((std::string(path) + ".out").c_str());
  CAPTURE(out);
  CAPTURE(text);
  CHECK(rc == 0);
  CHECK(out.empty());
}
