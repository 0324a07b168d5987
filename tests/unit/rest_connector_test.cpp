// The declarative rest connector against a real HTTP server on 127.0.0.1, one test per
// pagination style, with a server-side page cap smaller than the page size asked for.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "api/http_server.h"
#include "config/config.h"
#include "connectors/connector_config.h"
#include "connectors/registry.h"
#include "connectors/rest/link_header.h"
#include "connectors/page_parser.h"
#include "connectors/rest/next_url.h"
#include "connectors/rest/rest_options.h"
#include "connectors/rest/rest_page.h"
#include "http/http_client.h"
#include "sync/field_transforms.h"
#include "sync/record_hash.h"
#include "tests/unit/connector_test_support.h"

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

// SuiteCRM 7.14's V8 list as its code builds it (Api/V8/JsonApi/Helper/
// PaginationObjectHelper.php): JSON:API records under data[].attributes, and a
// links.next made with urldecode(http_build_query()), relative to /Api, with raw
// brackets and spaces; page[number] paging. The records also carry a deleted flag in
// the forms other CRMs send ("1", true, 0, "0"), for fields.deleted: SuiteCRM itself
// cannot list deleted rows (measured), so its worked example maps no flag.
ServerResponse suite_page(const ServerRequest& req) {
  auto number = req.param("page[number]");
  auto size = req.param("page[size]");
  if (!number || !size) return ServerResponse::json(400, R"({"errors":{"status":400,"title":null,"detail":"page missing"}})");
  long n = std::stol(std::string(*number));
  long per = std::min<long>(std::stol(std::string(*size)), kCap);
  long end = std::min<long>(n * per, kRecords);
  std::string items;
  for (long i = (n - 1) * per; i < end; ++i) {
    if (!items.empty()) items += ',';
    const char* deleted = i + 1 == 7 ? "\"1\"" : i + 1 == 8 ? "true" : i + 1 == 9 ? "0" : "\"0\"";
    items += fmt::format(R"({{"type":"Contacts","id":"{0}","attributes":{{"first_name":"O&#039;Brien","last_name":"N{0}",)"
                         R"("deleted":{1},"date_modified":"2026-12-02T06:52:37+00:00"}}}})", i + 1, deleted);
  }
  std::string next = end < kRecords
      ? fmt::format(R"("suite/contacts?fields[Contacts]=first_name,last_name&filter[date_modified][gt]=2026-12-02 06:52:37&page[size]={}&page[number]={}")",
                    per, n + 1)
      : "null";
  return ServerResponse::json(200, fmt::format(R"({{"data":[{}],"links":{{"next":{}}}}})", items, next));
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
    else if (req.path == "/suite/contacts") return suite_page(req);
    else if (req.path == "/moved/contacts") {
      ServerResponse moved = ServerResponse::json(301, "");
      moved.headers.emplace_back("Location", "https://sso.example/login?return=crm&access_token=s3cr3t-value");
      return moved;
    }
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

// A connector with its own client, fake clock and sleeper, for one test.
struct Live {
  FakeClock clock{from_ms(0)};
  FakeSleeper sleeper;
  HttpClient http;
  std::unique_ptr<Connector> connector;
  explicit Live(const SourceConfig& source)
      : http(HttpClientOptions{}, source.auth, std::make_shared<RateLimiter>(1000.0, 1000.0, clock), sleeper, clock),
        connector(find_connector_type("rest")->make(source, http)) {}
};

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
  auto page = Live(src).connector->next_page(Cursor{});
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

namespace {

std::string suite_yaml(const std::string& base, const std::string& path, const std::string& pagination) {
  return fmt::format(R"(database: /tmp/unused.db
sources:
  - name: suite
    type: rest
    base_url: {}
    page_size: 10
    list:
      path: {}
      params: {{ "fields[Contacts]": "first_name,last_name", "page[size]": "{{page_size}}", "page[number]": "1" }}
      items: /data
      pagination: {}
    fields:
      external_id: /id
      given_name: /attributes/first_name
      family_name: /attributes/last_name
      deleted: /attributes/deleted
      updated_at: /attributes/date_modified
)", base, path, pagination);
}

}  // namespace

TEST_CASE("rest next_url: SuiteCRM's links with raw spaces and brackets are followed; page[number] links shift") {
  Server server;
  for (const char* pagination : {"{ style: next_url, pointer: /links/next }",
                                 "{ style: next_url, pointer: /links/next, shifts: false }"}) {
    CAPTURE(pagination);
    auto source = load_source(suite_yaml(server.base(), "/suite/contacts", pagination));
    Live live(source);
    auto& connector = live.connector;
    CHECK_FALSE(connector->listing_may_shift());  // nothing seen yet
    Cursor cursor;
    std::vector<Record> records;
    for (int guard = 0; guard < 20; ++guard) {
      auto page = connector->next_page(cursor);
      REQUIRE_MESSAGE(page, page.error().message);
      for (auto& r : page->records) records.push_back(r);
      if (!page->next) break;
      cursor.page_token = page->next;
    }
    REQUIRE(records.size() == kRecords);
    std::set<std::string> deleted;
    for (auto& r : records)
      if (r.deleted) deleted.insert(r.external_id);
    CHECK(deleted == std::set<std::string>{"7", "8"});  // "1" and true; 0 and "0" are live
    bool explicit_false = std::string(pagination).find("shifts: false") != std::string::npos;
    CHECK(connector->listing_may_shift() == !explicit_false);
  }
  // What the CRM got: the brackets and the space percent-encoded, the rest as sent.
  std::lock_guard lock(server.mu);
  bool saw_filter = false;
  for (auto& q : server.seen_queries)
    if (q.find("filter[date_modified][gt]=2026-12-02 06:52:37&") != std::string::npos) saw_filter = true;
  CHECK(saw_filter);
}

TEST_CASE("rest: a redirect names its Location (credentials masked) instead of an empty body") {
  Server server;
  auto source = load_source(source_yaml(server.base(), "/moved/contacts", "", "{ style: next_url, pointer: /links/next }"));
  auto page = Live(source).connector->next_page(Cursor{});
  REQUIRE_FALSE(page);
  CHECK(page.error().kind == ErrorKind::config);
  // A redirect to another origin is refused by the client (#14: credentials stay at
  // home), naming both origins; a 3xx the client hands back names its Location.
  CHECK(page.error().message.find("HTTP 301 redirect to https://sso.example:443") != std::string::npos);
  CHECK(page.error().message.find("not followed") != std::string::npos);
  CHECK(page.error().message.find("s3cr3t") == std::string::npos);
}

TEST_CASE("next links: percent-encoding only what needs it; page/offset detection; secrets masked") {
  CHECK(encode_url_gaps("http://h/Api/V8/module/Contacts?filter[date_modified][gt]=2026-12-02 06:52:37&page[number]=2") ==
        "http://h/Api/V8/module/Contacts?filter%5Bdate_modified%5D%5Bgt%5D=2026-12-02%2006:52:37&page%5Bnumber%5D=2");
  CHECK(encode_url_gaps("http://[::1]:8080/a?x=%2B1&y=100%&z=\"é\"") == "http://[::1]:8080/a?x=%2B1&y=100%25&z=%22%C3%A9%22");
  CHECK(encode_url_gaps("https://h/p?a=1&b=x,y") == "https://h/p?a=1&b=x,y");
  CHECK(is_positional_link("http://h/c?page%5Bnumber%5D=2&page%5Bsize%5D=20"));
  CHECK(is_positional_link("http://h/c?per_page=5&offset=40"));
  CHECK(is_positional_link("http://h/c?Page=3"));
  CHECK_FALSE(is_positional_link("http://h/c?cursor=abc&page=eyJpZCI6M30"));
  CHECK_FALSE(is_positional_link("http://h/c?page_size=20&after=123"));
  AuthConfig auth;
  auth.type = "api_key";
  auth.in = "query";
  auth.name = "X-Key";
  CHECK(url_without_secrets("https://u:pw@h/c?x-key=abcd&page=2&token=t#f", auth) == "https://***@h/c?x-key=***&page=2&token=***#***");
  CHECK(url_without_secrets("https://h/c", auth) == "https://h/c");
}

TEST_CASE("connectors/rest/example.yaml loads, and reads the recorded SuiteCRM page in testdata/") {
  namespace fs = std::filesystem;
  fs::path creds = fs::temp_directory_path() / fmt::format("crm-rest-example-{}", ::getpid());
  fs::create_directories(creds);
  { std::ofstream(creds / "suitecrm-secret") << "s\n"; }
  const LoadedConfig loaded = load_config(std::string(CRM_SOURCE_DIR) + "/connectors/rest/example.yaml",
                                          [&](const std::string& name) -> std::optional<std::string> {
                                            if (name == "CREDENTIALS_DIRECTORY") return creds.string();
                                            return std::nullopt;
                                          });
  fs::remove_all(creds);
  for (auto& e : loaded.errors) FAIL_CHECK(e.format());
  REQUIRE(loaded.config);
  const SourceConfig& source = loaded.config->sources.at(0);
  RestOptions options = parse_rest_options(source, nullptr);
  CHECK(options.shifts == std::optional<bool>(true));
  RestPageReader reader(source, options);
  std::ifstream in(std::string(CRM_SOURCE_DIR) + "/connectors/rest/testdata/suitecrm_contacts_page1.json");
  HttpResponse resp;
  resp.status = 200;
  resp.body.assign(std::istreambuf_iterator<char>(in), {});
  REQUIRE_FALSE(resp.body.empty());
  PageParser parser;
  auto page = reader.read(resp, "", parser);
  REQUIRE_MESSAGE(page, page.error().message);
  REQUIRE(page->records.size() == 2);
  CHECK(page->records[0].name == "Siobhán O&#039;Brien");  // as the CRM sent it...
  apply_field_transforms(page->records[0], source.field_transforms);
  CHECK(page->records[0].name == "Siobhán O'Brien");  // ...and as the engine hashes it
  CHECK(page->records[0].company == "Byrne & Daughters");  // measured: SuiteCRM leaves & as it is
  CHECK_FALSE(page->records[0].deleted);
  CHECK_FALSE(page->records[1].deleted);  // deleted records cannot be listed: no flag to map
  CHECK(page->records[0].remote_updated_at == *parse_iso8601("2026-12-02T06:52:37Z"));
  REQUIRE(page->next);
  // Relative to base_url (/Api), brackets and the space encoded, the rest kept.
  CHECK(*page->next ==
        "url:https://crm.example.com/Api/V8/module/Contacts?fields%5BContacts%5D=first_name,last_name,email1,"
        "phone_work,account_name,date_modified&filter%5Bdate_modified%5D%5Bgt%5D=2026-12-02%2006:52:37"
        "&page%5Bsize%5D=2&page%5Bnumber%5D=2&sort=id");
}

namespace {

// SuiteCRM's V8 API as a live read meets it: one record at /V8/module/Contacts/{id}, a
// 400 JSON:API error for an unknown id, and what a proxy or the CRM answers when busy.
struct SuiteOne {
  std::vector<std::string> requests;
  std::mutex mu;
  connector_test::LoopbackServer server{[this](const ServerRequest& req) {
    {
      std::lock_guard lock(mu);
      requests.push_back(req.path + "?" + connector_test::query_text(req));
    }
    using connector_test::testdata;
    if (req.path == "/Api/V8/module/Contacts/1b2f6c4e-8a90-4d3e-9f21-0a7b3c5d6e01")
      return ServerResponse::json(200, testdata("rest", "suitecrm_contact_one.json"));
    if (req.path == "/Api/V8/module/Contacts/9f8e7d6c-0000-4000-8000-000000000000")
      return ServerResponse::json(400, testdata("rest", "suitecrm_error_not_found.json"));
    if (req.path == "/Api/V8/module/Contacts/bad-field")
      return ServerResponse::json(400, testdata("rest", "suitecrm_error_bad_field.json"));
    if (req.path == "/Api/V8/module/Contacts/busy") {
      auto r = ServerResponse::json(429, testdata("rest", "error_429.json"));
      r.headers.emplace_back("Retry-After", "7");
      return r;
    }
    if (req.path == "/Api/V8/module/Contacts/down") return ServerResponse::json(503, testdata("rest", "error_503.json"));
    if (req.path == "/Api/V8/module/Contacts/gone") return ServerResponse::json(404, R"({"error":"no such record"})");
    if (req.path == "/Api/V8/module/Contacts/flagged")
      return ServerResponse::json(200, R"({"data":{"id":"flagged","attributes":{"deleted":"1","date_modified":"2026-12-02T06:52:37+00:00"}}})");
    if (req.path == "/Api/V8/module/Contacts/no-id") return ServerResponse::json(200, R"({"data":{"attributes":{}}})");
    return ServerResponse::json(404, R"({"errors":{"status":404,"title":null,"detail":"no route"}})");
  }};
};

std::string suite_live_yaml(const std::string& base, const std::string& live) {
  return fmt::format(R"(database: /tmp/unused.db
sources:
  - name: suitecrm
    type: rest
    base_url: {}/Api
    web_url: https://crm.example.com/index.php?module=Contacts&action=DetailView&record={{id}}
    list:
      path: /V8/module/Contacts
      items: /data
      pagination: {{ style: next_url, pointer: /links/next }}
    fields:
      external_id: /id
      given_name: /attributes/first_name
      family_name: /attributes/last_name
      email: /attributes/email1
      phone: /attributes/phone_work
      company: /attributes/account_name
      updated_at: /attributes/date_modified
      deleted: /attributes/deleted
    extra_fields: [/attributes/lead_source]
{}
)", base, live);
}

constexpr const char* kSuiteLive =
    "    live: { path: \"/V8/module/Contacts/{id}\", item: /data, fields: [/attributes/title, /attributes/lead_source, "
    "/attributes/nope, type] }";

LiveRequest live_request(const std::string& id, const std::vector<std::string>& fields) {
  LiveRequest req;
  req.external_id = id;
  req.fields = &fields;
  return req;
}

}  // namespace

TEST_CASE("rest get_by_id: SuiteCRM's one-record route, mapped exactly as the same record in a list page") {
  SuiteOne crm;
  const SourceConfig source = load_source(suite_live_yaml(crm.server.base(), kSuiteLive));
  connector_test::TestConnector c("rest", source);
  REQUIRE(c->has_get_by_id());
  const std::string id = "1b2f6c4e-8a90-4d3e-9f21-0a7b3c5d6e01";
  auto live = c->get_by_id(live_request(id, source.live.fields));
  REQUIRE_MESSAGE(live, live.error().message);
  REQUIRE(crm.requests.size() == 1);
  CHECK(crm.requests[0] == "/Api/V8/module/Contacts/" + id + "?");
  REQUIRE(live->record);
  const Record& r = *live->record;
  CHECK(r.external_id == id);
  CHECK(r.kind == RecordKind::person);
  CHECK(r.name == "Siobhán O&#039;Brien");  // the engine's transforms come after, as for pages
  CHECK(r.email == "siobhan.obrien@example.com");
  CHECK(r.company == "Byrne & Daughters");
  CHECK(r.remote_updated_at == *parse_iso8601("2026-12-02T06:52:37Z"));
  CHECK(r.web_url == "https://crm.example.com/index.php?module=Contacts&action=DetailView&record=" + id);
  CHECK(live->crm ==
        R"({"/attributes/title":"Head of Procurement","/attributes/lead_source":"Web Site","/attributes/nope":null,)"
        R"("type":"Contacts"})");

  // The same object as an item of a list answer: the same Record, the same hash.
  RestOptions options = parse_rest_options(source, nullptr);
  RestPageReader reader(source, options);
  const std::string one = connector_test::testdata("rest", "suitecrm_contact_one.json");
  HttpResponse page_resp;
  page_resp.status = 200;
  page_resp.body = "{\"data\":[" + one.substr(one.find(':') + 1, one.rfind('}') - one.find(':') - 1) + "]}";
  PageParser parser;
  auto page = reader.read(page_resp, "", parser);
  REQUIRE_MESSAGE(page, page.error().message);
  REQUIRE(page->records.size() == 1);
  CHECK(page->records[0].extra == r.extra);
  CHECK(hash_record(page->records[0]) == hash_record(r));
}

TEST_CASE("rest get_by_id: gone is SuiteCRM's 400 naming the id, a 404, or the deleted flag; errors keep status") {
  SuiteOne crm;
  const SourceConfig source = load_source(suite_live_yaml(crm.server.base(), kSuiteLive));
  connector_test::TestConnector c("rest", source);
  const std::vector<std::string> none;
  for (const char* id : {"9f8e7d6c-0000-4000-8000-000000000000", "gone", "flagged"}) {
    CAPTURE(id);
    auto live = c->get_by_id(live_request(id, none));
    REQUIRE_MESSAGE(live, live.error().message);
    CHECK_FALSE(live->record);
    CHECK(live->crm == "{}");
  }
  auto bad = c->get_by_id(live_request("bad-field", none));  // "not found", but not the record
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::config);
  CHECK(bad.error().http_status == 400);
  CHECK(bad.error().message.find("titel") != std::string::npos);
  auto busy = c->get_by_id(live_request("busy", none));
  REQUIRE_FALSE(busy);
  CHECK(busy.error().http_status == 429);
  REQUIRE(busy.error().retry_after_s);
  CHECK(*busy.error().retry_after_s == doctest::Approx(7.0));
  auto down = c->get_by_id(live_request("down", none));
  REQUIRE_FALSE(down);
  CHECK(down.error().kind == ErrorKind::transient);
  CHECK(down.error().http_status == 503);
  CHECK(down.error().message.find("maintenance until 03:00") != std::string::npos);
  auto no_id = c->get_by_id(live_request("no-id", none));
  REQUIRE_FALSE(no_id);
  CHECK(no_id.error().kind == ErrorKind::data);
}

TEST_CASE("rest get_by_id: the id is URL-encoded into live.path; item \"\" is the whole answer; no live block, none") {
  std::vector<std::string> paths;
  std::mutex mu;
  connector_test::LoopbackServer server([&](const ServerRequest& req) {
    std::lock_guard lock(mu);
    paths.push_back(req.path + "?" + connector_test::query_text(req));
    return ServerResponse::json(200, R"({"id":"a/b c","full_name":"Ann","contact":{"email":"a@x.example"},"modified_at":"2025-01-01T00:00:00Z"})");
  });
  const SourceConfig source = load_source(
      source_yaml(server.base(), "/offset/contacts", "offset: \"{offset}\"", "{ style: offset }") +
      "    live: { path: \"/customers/{id}?view=full\", fields: [full_name] }\n");
  connector_test::TestConnector c("rest", source);
  auto live = c->get_by_id(live_request("a/b c", source.live.fields));
  REQUIRE_MESSAGE(live, live.error().message);
  REQUIRE(paths.size() == 1);
  CHECK(paths[0] == "/customers/a/b c?view=full&");  // the server decodes what %2F and %20 said
  REQUIRE(live->record);
  CHECK(live->record->external_id == "a/b c");
  CHECK(live->record->web_url == "https://legacy.example/customers/a%2Fb%20c");
  CHECK(live->crm == R"({"full_name":"Ann"})");

  const SourceConfig plain = load_source(source_yaml(server.base(), "/offset/contacts", "offset: \"{offset}\"", "{ style: offset }"));
  connector_test::TestConnector without("rest", plain);
  CHECK_FALSE(without->has_get_by_id());
}
