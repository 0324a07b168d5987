// What the connector unit tests share: reading a connector's recorded-style test data,
// loading a config with one source block whose lines are known (so option errors can be
// expected at file:line:col), and running a connector against a loopback stub on fake
// time, page by page. Each *_connector_test.cpp repeated these word for word.
// Test code only: the helpers fail the running doctest case on a missing file or a
// config that should have loaded.
#pragma once

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "config/config.h"
#include "connectors/connector_config.h"
#include "connectors/connector.h"
#include "connectors/registry.h"
#include "core/time.h"
#include "http/http_client.h"
#include "http/rate_limiter.h"
#include "http/sleeper.h"

namespace crm::connector_test {

// The text of connectors/<crm>/testdata/<name>.
inline std::string testdata(const std::string& crm, const std::string& name) {
  std::ifstream in(std::string(CRM_SOURCE_DIR) + "/connectors/" + crm + "/testdata/" + name);
  REQUIRE_MESSAGE(in.good(), name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A config with one source: its name, type and base_url on lines 3-5, then `body` (the
// rest of the block) from line 6.
inline std::string one_source_yaml(const std::string& name, const std::string& type, const std::string& base_url,
                                   const std::string& body) {
  return "database: /tmp/x.db\n"
         "sources:\n"
         "  - name: " + name + "\n"
         "    type: " + type + "\n"
         "    base_url: " + base_url + "\n" +
         body;
}

// An environment where no ${NAME} is set.
inline std::optional<std::string> no_env(const std::string&) { return std::nullopt; }

// Every error of loading `yaml` as `file`, one formatted error a line ("" when it loads).
inline std::string config_errors(const std::string& yaml, const std::string& file, const EnvLookup& env = no_env) {
  auto loaded = load_config_text(yaml, file, env);
  std::string all;
  for (const auto& e : loaded.errors) all += e.format() + "\n";
  return all;
}

// The one source of `yaml`, which must load without errors.
inline SourceConfig load_one_source(const std::string& yaml, const std::string& file) {
  auto loaded = load_config_text(yaml, file, no_env);
  for (auto& e : loaded.errors) FAIL_CHECK(e.format());
  REQUIRE(loaded.config);
  REQUIRE(loaded.config->sources.size() == 1);
  return loaded.config->sources[0];
}

// An HttpServer on a free 127.0.0.1 port answering with `handler`: a scripted vendor for
// the connector to talk to. Make it a stub's last member, so that what `handler` touches
// exists before the first request and after the last.
class LoopbackServer {
 public:
  explicit LoopbackServer(ServerHandler handler) : http_(HttpServerOptions{}, std::move(handler)) {
    REQUIRE(http_.start());
  }
  std::string base() const { return fmt::format("http://127.0.0.1:{}", http_.port()); }

 private:
  HttpServer http_;
};

// A request's query as "k=v&k=v&", for the request lines a stub records.
inline std::string query_text(const ServerRequest& req) {
  std::string q;
  for (const auto& [k, v] : req.query) q += k + "=" + v + "&";
  return q;
}

// A connector of `type` for `source` with what it borrows: an HttpClient on a fake clock
// and sleeper (nothing waits for real) whose rate limit never throttles. `source` must
// outlive it.
struct TestConnector {
  TestConnector(const std::string& type, const SourceConfig& source)
      : http(HttpClientOptions{}, source.auth, std::make_shared<RateLimiter>(1000.0, 1000.0, clock), sleeper, clock),
        connector(find_connector_type(type)->make(source, http)) {}
  Connector* operator->() const { return connector.get(); }
  Connector& operator*() const { return *connector; }

  FakeClock clock{from_ms(0)};
  FakeSleeper sleeper;
  HttpClient http;
  std::unique_ptr<Connector> connector;
};

// What walk_pages read: every record in order, and how many pages.
struct PagesRead {
  std::vector<Record> records;
  int pages = 0;
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.external_id);
    return out;
  }
};

// Pages from `cursor` on until one has no next; fails the test past max_pages.
inline PagesRead walk_pages(Connector& connector, Cursor cursor, int max_pages) {
  PagesRead read;
  for (; read.pages < max_pages; ++read.pages) {
    auto page = connector.next_page(cursor);
    REQUIRE_MESSAGE(page, page.error().message);
    for (auto& r : page->records) read.records.push_back(r);
    if (!page->next) break;
    cursor.page_token = page->next;
  }
  REQUIRE(read.pages < max_pages);
  ++read.pages;
  return read;
}

}  // namespace crm::connector_test
