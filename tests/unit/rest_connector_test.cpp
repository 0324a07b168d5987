// The declarative rest connector against a real HTTP server on 127.0.0.1, one test per
// pagination style, with a server-side page cap smaller than the page size asked for.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <map>
#include <set>

#include "api/http_server.h"
#include "config/config.h"
#include "connectors/registry.h"
#include "connectors/rest/link_header.h"
#include "http/http_client.h"
#include "sync/record_hash.h"

using namespace crm;

namespace {

constexpr int kRecords = 23;
constexpr int kCap = 5;  // the server caps pages at 5 although 10 are asked for

std::string record_json(int i, bool reversed_keys) {
  std::string email = fmt::format("\"contact\":{{\"email\":\"p{}@example.com\",\"phone\":null}}", i);
  std::string name = fmt::format("\"full_name\":\"Zoë {}\"", i);
  std::string id = fmt::format("\"id\":{}", i);  // a number where the id is text
  std::string mod = fmt::format("\"modified_at\":\"2025-01-01T0{}:00:00+01:00\"", i % 10);
  return reversed_keys ? fmt::format("{{{},{},{},{}}}", mod, email, name, id)
                       : fmt::format("{{{},{},{},{}}}", id, name, email, mod);
}

// Hostile nesting: an unmapped field 5,000 levels deep, and a name that is such a
// structure (simdjson's default limit of 1,024 would fail the whole page).
ServerResponse deep_page() {
  const std::string deep = std::string(5000, '[') + "1" + std::string(5000, ']');
  return ServerResponse::json(200, fmt::format(
      R"({{"data":[{{"id":1,"full_name":"Ann","notes":{0},"modified_at":"2025-01-01T00:00:00Z"}},)"
      R"({{"id":2,"full_name":{0},"modified_at":"2025-01-01T00:00:00Z"}},)"
      R"({{"id":3,"full_name":"Cy","modified_at":"2025-01-01T00:00:00Z"}}]}})", deep));
}

struct Server {
  std::vector<std::string> seen_queries;
  std::mutex mu;
  std::unique_ptr<HttpServer> http;

  Server() {
    http = std::make_unique<HttpServer>(HttpServerOptions{}, [this](const ServerRequest& req) {
      return handle(req);
    });
    REQUIRE(http->start());
  }
  std::string base() { return fmt::format("http://127.0.0.1:{}", http->port()); }

  ServerResponse handle(const ServerRequest& req) {
    {
      std::lock_guard lock(mu);
      std::string q;
      for (auto& [k, v] : req.query) q += k + "=" + v + "&";
      seen_queries.push_back(req.path + "?" + q);
    }
    auto num = [&](const char* name, long def) {
      auto v = req.param(name);
      return v ? std::stol(std::string(*v)) : def;
    };
    long size = std::min<long>(num("per_page", 25), kCap);
    long offset = 0;
    if (req.path == "/page/contacts") offset = (num("page", 1) - 1) * size;
    else if (req.path == "/offset/contacts" || req.path == "/next_url/contacts" || req.path == "/link/contacts") offset = num("offset", 0);
    else if (req.path == "/cursor/contacts") offset = req.param("cursor") ? std::stol(std::string(*req.param("cursor")).substr(1)) : 0;
    else if (req.path == "/deep/contacts") return deep_page();
    else return ServerResponse::json(404, R"({"error":{"message":"no such path"}})");
    std::string items;
    long end = std::min<long>(offset + size, kRecords);
    for (long i = offset; i < end; ++i) {
      if (!items.empty()) items += ',';
      items += record_json(static_cast<int>(i + 1), req.path == "/cursor/contacts");
    }
    bool more = end < kRecords;
    ServerResponse r;
    if (req.path == "/next_url/contacts") {
      std::string next = more ? fmt::format("\"/next_url/contacts?per_page={}&offset={}\"", size, end) : "null";
      r = ServerResponse::json(200, fmt::format(R"({{"data":[{}],"links":{{"next":{}}}}})", items, next));
    } else if (req.path == "/link/contacts") {
      r = ServerResponse::json(200, fmt::format(R"({{"data":[{}]}})", items));
      std::string link = fmt::format("<{}/link/contacts?offset=0>; rel=\"first\"", base());
      if (more) link += fmt::format(", <{}/link/contacts?per_page={}&offset={}>; rel=\"next\"", base(), size, end);
      r.headers.emplace_back("Link", link);
    } else if (req.path == "/cursor/contacts") {
      std::string next = more ? fmt::format("\"c{}\"", end) : "null";
      r = ServerResponse::json(200, fmt::format(R"({{"data":[{}],"meta":{{"next_cursor":{}}}}})", items, next));
    } else {
      r = ServerResponse::json(200, fmt::format(R"({{"data":[{}]}})", items));
    }
    return r;
  }
};

SourceConfig load_source(const std::string& yaml) {
  auto loaded = load_config_text(yaml, "/tmp/rest-test.yaml");
  for (auto& e : loaded.errors) FAIL_CHECK(e.format());
  REQUIRE(loaded.config);
  REQUIRE(loaded.config->sources.size() == 1);
  return loaded.config->sources[0];
}

std::string source_yaml(const std::string& base, const std::string& path, const std::string& params,
                        const std::string& pagination) {
  return fmt::format(R"(database: /tmp/unused.db
sources:
  - name: legacy
    type: rest
    base_url: {}
    page_size: 10
    web_url: https://legacy.example/customers/{{id}}
    list:
      path: {}
      params: {{ {} }}
      items: /data
      pagination: {}
    fields:
      external_id: /id
      name: /full_name
      email: /contact/email
      phone: /contact/phone
      updated_at: /modified_at
)", base, path, params, pagination);
}

struct Walk {
  std::vector<Record> records;
  int pages = 0;
};

Walk walk(const SourceConfig& source, std::optional<TimePoint> since = std::nullopt) {
  FakeClock clock{from_ms(0)};
  FakeSleeper sleeper;
  auto limiter = std::make_shared<RateLimiter>(1000.0, 1000.0, clock);
  HttpClient http(HttpClientOptions{}, source.auth, limiter, sleeper, clock);
  auto connector = find_connector_type("rest")->make(source, http);
  Cursor cursor;
  cursor.since = since;
  cursor.mode = since ? SyncMode::incremental : SyncMode::full;
  Walk w;
  for (int guard = 0; guard < 100; ++guard) {
    auto page = connector->next_page(cursor);
    REQUIRE_MESSAGE(page, page.error().message);
    ++w.pages;
    for (auto& r : page->records) w.records.push_back(r);
    if (!page->next) break;
    cursor.page_token = page->next;
  }
  return w;
}

void check_all_once(const Walk& w) {
  std::set<std::string> ids;
  for (auto& r : w.records) ids.insert(r.external_id);
  CHECK(w.records.size() == kRecords);
  CHECK(ids.size() == kRecords);
}

}  // namespace

TEST_CASE("rest pagination: page numbers, with a silent server-side cap") {
  Server s;
  auto w = walk(load_source(source_yaml(s.base(), "/page/contacts", "page: \"{page}\", per_page: \"{page_size}\"", "{ style: page }")));
  check_all_once(w);
  CHECK(w.pages == 6);  // 5 full-or-partial pages and the empty one that ends the list
}

TEST_CASE("rest pagination: offset advances by what arrived, not by what was asked") {
  Server s;
  auto w = walk(load_source(source_yaml(s.base(), "/offset/contacts", "offset: \"{offset}\", per_page: \"{page_size}\"", "{ style: offset }")));
  check_all_once(w);
}

TEST_CASE("rest pagination: next_url (relative link) and link_header") {
  Server s;
  check_all_once(walk(load_source(source_yaml(s.base(), "/next_url/contacts", "per_page: \"{page_size}\"", "{ style: next_url, pointer: /links/next }"))));
  check_all_once(walk(load_source(source_yaml(s.base(), "/link/contacts", "per_page: \"{page_size}\"", "{ style: link_header }"))));
}

TEST_CASE("rest pagination: cursor; the cursor parameter is left out of the first request") {
  Server s;
  auto w = walk(load_source(source_yaml(s.base(), "/cursor/contacts", "cursor: \"{cursor}\", per_page: \"{page_size}\"", "{ style: cursor, pointer: /meta/next_cursor }")));
  check_all_once(w);
  CHECK(s.seen_queries.front().find("cursor=") == std::string::npos);
  CHECK(s.seen_queries[1].find("cursor=c5") != std::string::npos);
}

TEST_CASE("rest mapping: fields, UTC times, web_url, numbers as text; key order does not change the hash") {
  Server s;
  auto a = walk(load_source(source_yaml(s.base(), "/offset/contacts", "offset: \"{offset}\", per_page: \"{page_size}\"", "{ style: offset }")));
  auto b = walk(load_source(source_yaml(s.base(), "/cursor/contacts", "cursor: \"{cursor}\", per_page: \"{page_size}\"", "{ style: cursor, pointer: /meta/next_cursor }")));
  REQUIRE(a.records.size() == b.records.size());
  const Record& r = a.records[0];
  CHECK(r.external_id == "1");
  CHECK(r.name == "Zoë 1");
  CHECK(r.email == "p1@example.com");
  CHECK(r.phone == "");
  CHECK(format_iso8601(r.remote_updated_at) == "2025-01-01T00:00:00Z");  // 01:00+01:00
  CHECK(r.web_url == "https://legacy.example/customers/1");
  for (size_t i = 0; i < a.records.size(); ++i) CHECK(hash_record(a.records[i]) == hash_record(b.records[i]));
}

TEST_CASE("rest: {watermark} params are left out of a full pass and filled on incremental") {
  Server s;
  auto src = load_source(source_yaml(s.base(), "/offset/contacts",
                                     "offset: \"{offset}\", per_page: \"{page_size}\", modified_since: \"{watermark}\"",
                                     "{ style: offset }"));
  walk(src);
  CHECK(s.seen_queries.front().find("modified_since") == std::string::npos);
  s.seen_queries.clear();
  walk(src, parse_iso8601("2025-11-20T09:14:03.250Z"));
  CHECK(s.seen_queries.front().find("modified_since=2025-11-20T09:14:03Z") != std::string::npos);
}

TEST_CASE("rest: the CRM's error message reaches the error, with the right kind") {
  Server s;
  auto src = load_source(source_yaml(s.base(), "/nowhere", "per_page: \"{page_size}\"", "{ style: link_header }"));
  FakeClock clock{from_ms(0)};
  FakeSleeper sleeper;
  HttpClient http(HttpClientOptions{}, src.auth, std::make_shared<RateLimiter>(1000.0, 1000.0, clock), sleeper, clock);
  auto connector = find_connector_type("rest")->make(src, http);
  auto page = connector->next_page(Cursor{});
  REQUIRE_FALSE(page);
  CHECK(page.error().kind == ErrorKind::config);
  CHECK(page.error().message.find("no such path") != std::string::npos);
  CHECK(page.error().message.find("404") != std::string::npos);
}

TEST_CASE("Link header: rel=next among others, quoted or not") {
  CHECK(link_header_next(R"(<https://x/a?page=1>; rel="first", <https://x/a?page=2>; rel="next")") == "https://x/a?page=2");
  CHECK(link_header_next(R"(<https://x/a?page=2>; rel=next)") == "https://x/a?page=2");
  CHECK(link_header_next(R"(<https://x/a?page=9>; rel="last", <https://x/a?p=3>; title="n"; rel="prev next")") == "https://x/a?p=3");
  CHECK_FALSE(link_header_next(R"(<https://x/a?page=9>; rel="last")").has_value());
  CHECK_FALSE(link_header_next("").has_value());
  CHECK_FALSE(link_header_next(R"(<https://x/next>; rel="nextish")").has_value());
}

TEST_CASE("rest: a record nested thousands of levels deep is read or skipped alone, not the page") {
  Server s;
  auto w = walk(load_source(source_yaml(s.base(), "/deep/contacts", "cursor: \"{cursor}\", per_page: \"{page_size}\"", "{ style: cursor, pointer: /meta/next_cursor }")));
  std::map<std::string, std::string> names;
  for (auto& r : w.records) names[r.external_id] = r.name;
  CHECK(names["1"] == "Ann");
  CHECK(names["3"] == "Cy");
  CHECK(names.count("2") == 0);  // a name that is not text: skipped
}
