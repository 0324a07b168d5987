// Tables for the pure parsers of src/config/: durations, ratios, rates, integers,
// booleans, edit distance, URL and listen-address checks, ${ENV} expansion.
#include "config/value_parsers.h"

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>

#include "config/address_checks.h"
#include "config/did_you_mean.h"
#include "config/env_expander.h"

using namespace crm;
using namespace std::chrono_literals;

TEST_CASE("parse_duration: accepted forms") {
  struct Case {
    const char* text;
    Millis expected;
  };
  const Case cases[] = {
      {"250ms", 250ms},
      {"30s", 30s},
      {"5m", 5min},
      {"2h", 2h},
      {"1d", 24h},
      {"1h30m", 90min},
      {"1m30s", 90s},
      {"1s500ms", 1500ms},
      {"0", 0ms},
      {"0s", 0ms},
      {"1d2h3m4s5ms", 93784005ms},
      {"90m", 90min},
      {"007s", 7s},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto d = parse_duration(c.text);
    REQUIRE(d.has_value());
    CHECK(*d == c.expected);
  }
}

TEST_CASE("parse_duration: refused forms") {
  const char* cases[] = {"",
                         "5",
                         "5 minutes",
                         "5min",
                         "m",
                         "-5m",
                         "5m ",
                         " 5m",
                         "1.5h",
                         "30m1h",
                         "1m1m",
                         "5ms5s",
                         "5M",
                         "1w",
                         "1e3s",
                         "s5",
                         "5mm",
                         "0x10s",
                         "99999999999999999999d",
                         "200000000000d"};
  for (const char* text : cases) {
    CAPTURE(text);
    CHECK_FALSE(parse_duration(text).has_value());
  }
}

TEST_CASE("format_duration reads back") {
  struct Case {
    Millis d;
    const char* text;
  };
  const Case cases[] = {{0ms, "0s"},      {250ms, "250ms"}, {30s, "30s"},        {5min, "5m"},
                        {90min, "1h30m"}, {24h, "1d"},      {1500ms, "1s500ms"}, {26h, "1d2h"}};
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(format_duration(c.d) == c.text);
    CHECK(parse_duration(format_duration(c.d)) == c.d);
  }
}

TEST_CASE("parse_ratio") {
  struct Case {
    const char* text;
    std::optional<double> expected;
  };
  const Case cases[] = {
      {"10%", 0.10},
      {"0%", 0.0},
      {"100%", 1.0},
      {"12.5%", 0.125},
      {"0.25", 0.25},
      {"0", 0.0},
      {"1", 1.0},
      {"1.0", 1.0},
      {"101%", std::nullopt},
      {"1.5", std::nullopt},
      {"50", std::nullopt},
      {"-10%", std::nullopt},
      {"%", std::nullopt},
      {"", std::nullopt},
      {"ten%", std::nullopt},
      {"10 %", std::nullopt},
      {".5", std::nullopt},
      {"5.", std::nullopt},
      {"inf", std::nullopt},
      {"nan", std::nullopt},
      {"1e-1", std::nullopt},
      {"10%%", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto r = parse_ratio(c.text);
    REQUIRE(r.has_value() == c.expected.has_value());
    if (r) CHECK(*r == doctest::Approx(*c.expected));
  }
}

TEST_CASE("parse_rate") {
  struct Case {
    const char* text;
    std::optional<double> per_second;
  };
  const Case cases[] = {
      {"10/s", 10.0},           {"600/m", 10.0},      {"1000/h", 1000.0 / 3600},
      {"0.5/s", 0.5},           {"1/h", 1.0 / 3600},  {"0/s", std::nullopt},
      {"-1/s", std::nullopt},   {"10", std::nullopt}, {"10/d", std::nullopt},
      {"10/sec", std::nullopt}, {"/s", std::nullopt}, {"10 /s", std::nullopt},
      {"ten/s", std::nullopt},  {"", std::nullopt},   {"0.0/m", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto r = parse_rate(c.text);
    REQUIRE(r.has_value() == c.per_second.has_value());
    if (r) {
      CHECK(r->per_second == doctest::Approx(*c.per_second));
      CHECK(r->text == c.text);
    }
  }
}

TEST_CASE("parse_integer and parse_bool") {
  CHECK(parse_integer("200") == 200);
  CHECK(parse_integer("-3") == -3);
  CHECK(parse_integer("+7") == 7);
  CHECK(parse_integer("0") == 0);
  for (const char* bad :
       {"", "abc", "1e3", "0x10", "12 ", "1.0", "+", "-", "99999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_integer(bad).has_value());
  }
  CHECK(parse_bool("true") == true);
  CHECK(parse_bool("True") == true);
  CHECK(parse_bool("FALSE") == false);
  for (const char* bad : {"yes", "no", "on", "off", "1", "0", "", "tru"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_bool(bad).has_value());
  }
}

TEST_CASE("edit_distance and did_you_mean") {
  CHECK(edit_distance("interval", "interval") == 0);
  CHECK(edit_distance("intervl", "interval") == 1);
  CHECK(edit_distance("intevral", "interval") == 1);  // transposition
  CHECK(edit_distance("Interval", "interval") == 0);  // case-insensitive
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);

  const std::vector<std::string> keys = {"interval", "jitter", "timeout", "page_size"};
  CHECK(did_you_mean("intervl", keys) == " (did you mean 'interval'?)");
  CHECK(did_you_mean("pagesize", keys) == " (did you mean 'page_size'?)");
  CHECK(did_you_mean("timout", keys) == " (did you mean 'timeout'?)");
  CHECK(did_you_mean("frobnicate", keys).empty());
  // Short words: one edit at most, or everything would match everything.
  CHECK(closest_match("ab", {"in"}) == std::nullopt);
  CHECK(closest_match("im", {"in"}) == "in");
}

TEST_CASE("url_problem") {
  const char* good[] = {
      "http://127.0.0.1:8080", "https://acme.my.salesforce.com", "HTTPS://example.com/api/v1",
      "http://[::1]:8080/x",   "http://legacy.internal/api?x=1", "http://u:p@host/",
      "http://localhost"};
  for (const char* url : good) {
    CAPTURE(url);
    CHECK_FALSE(url_problem(url).has_value());
  }
  const char* bad[] = {"",
                       "ftp://x",
                       "example.com",
                       "http://",
                       "http:///path",
                       "http://host:0",
                       "http://host:65536",
                       "http://host:abc",
                       "http://ho st",
                       "http://[::1",
                       "http://[zz]/",
                       "http://::1:80/",
                       "http://host:/x",
                       "https://a b"};
  for (const char* url : bad) {
    CAPTURE(url);
    CHECK(url_problem(url).has_value());
  }
}

TEST_CASE("listen_problem") {
  for (const char* ok :
       {"127.0.0.1:8787", "[::1]:8787", "0.0.0.0:80", "localhost:65535", "[fe80::1%eth0]:8787"}) {
    CAPTURE(ok);
    CHECK_FALSE(listen_problem(ok).has_value());
  }
  struct Case {
    const char* text;
    const char* reason;
  };
  const Case bad[] = {{"127.0.0.1", "port is missing"},
                      {"::1:8787", "brackets"},
                      {"[::1]", "port is missing"},
                      {"127.0.0.1:0", "1 to 65535"},
                      {"127.0.0.1:70000", "1 to 65535"},
                      {":8787", "host is missing"},
                      {"", "empty"},
                      {"host:87 87", "spaces"}};
  for (const auto& c : bad) {
    CAPTURE(c.text);
    auto problem = listen_problem(c.text);
    REQUIRE(problem.has_value());
    CHECK(problem->find(c.reason) != std::string::npos);
  }
}

TEST_CASE("redact_url") {
  CHECK(redact_url("https://user:pw@host/x") == "https://***@host/x");
  CHECK(redact_url("https://host/x@y") == "https://host/x@y");
  CHECK(redact_url("http://host") == "http://host");
}

TEST_CASE("expand_env") {
  const std::map<std::string, std::string> vars = {{"A", "alpha"}, {"EMPTY", ""}, {"B_2", "b"}};
  const EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  struct Case {
    const char* text;
    const char* value;
    const char* error;  // substring, or nullptr
  };
  const Case cases[] = {
      {"plain", "plain", nullptr},
      {"${A}", "alpha", nullptr},
      {"x-${A}-${B_2}-y", "x-alpha-b-y", nullptr},
      {"${EMPTY}", "", nullptr},
      {"$${A}", "${A}", nullptr},
      {"cost $5", "cost $5", nullptr},
      {"$$", "$$", nullptr},
      {"{watermark}", "{watermark}", nullptr},
      {"${MISSING}", "", "environment variable MISSING is not set"},
      {"${A", "", "unterminated"},
      {"${}", "", "not a valid environment variable reference"},
      {"${A B}", "", "not a valid environment variable reference"},
      {"${1A}", "", "not a valid environment variable reference"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    Expansion e = expand_env(c.text, env);
    if (c.error == nullptr) {
      CHECK(e.error.empty());
      CHECK(e.value == c.value);
    } else {
      CHECK(e.error.find(c.error) != std::string::npos);
    }
  }
}

TEST_CASE("parse_size") {
  struct Case {
    std::string text;
    std::optional<int64_t> bytes;
  };
  const std::vector<Case> cases = {
      {"4096", 4096},           {"0", 0},
      {"1B", 1},                {"64KiB", 65536},
      {"256MiB", 268435456},    {"1GiB", int64_t{1} << 30},
      {"2TiB", int64_t{2} << 40}, {"10KB", 10000},
      {"10MB", 10000000},       {"1GB", 1000000000},
      {"1024TiB", int64_t{1} << 50}, {"1025TiB", std::nullopt},
      {"", std::nullopt},       {"MiB", std::nullopt},
      {"1.5MiB", std::nullopt}, {"10 MiB", std::nullopt},
      {"10mib", std::nullopt},  {"-1", std::nullopt},
      {"10M", std::nullopt},    {"99999999999999999999", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(parse_size(c.text) == c.bytes);
  }
}
