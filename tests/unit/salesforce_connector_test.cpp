// The Salesforce connector: parsing recorded-style query pages (testdata/), the SOQL it
// builds, its page tokens, how Salesforce's error codes map to error kinds, the quota
// reserve, config validation with lines, and a walk over two objects against a small
// server on 127.0.0.1 (token with instance_url, nextRecordsUrl, a lost query locator).
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "api/http_server.h"
#include "config/config.h"
#include "connectors/connector_config.h"
#include "connectors/registry.h"
#include "connectors/salesforce/salesforce_connector.h"
#include "connectors/salesforce/salesforce_errors.h"
#include "connectors/salesforce/salesforce_page.h"
#include "connectors/salesforce/salesforce_page_token.h"
#include "connectors/salesforce/salesforce_request.h"
#include "http/http_client.h"
#include "tests/unit/connector_test_support.h"
#include "tests/unit/live_read_stub.h"

using namespace crm;

namespace {

std::string testdata(const std::string& name) { return connector_test::testdata("salesforce", name); }

const SfObject& known(const std::string& name) {
  for (const auto& o : salesforce_known_objects())
    if (o.name == name) return o;
  FAIL("unknown object " << name);
  throw 0;
}

std::string errors_of(const std::string& source_lines) {
  return connector_test::config_errors(
      connector_test::one_source_yaml("sf", "salesforce", "https://acme.my.salesforce.com", source_lines),  // from line 6
      "/etc/crm-index/sf.yaml", [](const std::string&) { return std::optional<std::string>("x"); });
}

const std::string kAuth =
    "    auth: { type: oauth2, grant: client_credentials, token_url: https://login.salesforce.com/services/oauth2/token,\n"
    "            client_id: abc, client_secret: xyz }\n";  // lines 6-7

}  // namespace

TEST_CASE("salesforce page: contacts with tombstones, merges, +0000 times and a next locator") {
  simdjson::dom::parser parser;
  SfObject contact = known("Contact");
  contact.extra = {"LeadSource"};
  RowMapping m{contact, "{instance_url}/lightning/r/{object}/{id}/view", "https://acme.my.salesforce.com"};
  auto page = parse_query_page(parser, testdata("contact_page1.json"), m);
  REQUIRE_MESSAGE(page, page.error().message);
  CHECK_FALSE(page->done);
  CHECK(page->next_url == "/services/data/v62.0/query/01gRO00000AbCdEYA2-2000");
  const auto& rs = page->page.records;
  REQUIRE(rs.size() == 4);
  CHECK(page->page.skipped == 1);  // the row without a readable SystemModstamp
  CHECK(rs[0].external_id == "0035e00000AbCdEAAV");
  CHECK(rs[0].kind == RecordKind::person);
  CHECK(rs[0].name == "Zoë Łukasz");
  CHECK(rs[0].given_name == "Zoë");
  CHECK(rs[0].family_name == "Łukasz");
  CHECK(rs[0].email == "zoe@example.com");
  CHECK(rs[0].phone == "+49 30 1234567");
  CHECK(rs[0].company == "Acme GmbH");  // Account.Name through the parent relationship
  CHECK(rs[0].extra == R"({"LeadSource":"Web"})");
  CHECK(format_iso8601(rs[0].remote_updated_at) == "2025-11-20T09:14:03Z");
  CHECK(rs[0].web_url == "https://acme.my.salesforce.com/lightning/r/Contact/0035e00000AbCdEAAV/view");
  CHECK_FALSE(rs[0].deleted);
  CHECK(rs[1].company == "");  // "Account": null
  CHECK(rs[1].given_name == "");
  CHECK(rs[1].extra == R"({"LeadSource":null})");
  CHECK(rs[2].deleted);
  CHECK(rs[2].merged_into == "0035e00000AbCdEAAV");
  CHECK(rs[3].deleted);
  CHECK(rs[3].merged_into == "");
  REQUIRE(page->page.high_water);
  CHECK(format_iso8601(*page->page.high_water) == "2025-11-20T10:00:01Z");
  CHECK(page->last_ms == to_ms(*parse_iso8601("2025-11-20T10:00:01Z")));
}

TEST_CASE("salesforce page: accounts are companies; offsets are normalised; done ends") {
  simdjson::dom::parser parser;
  RowMapping m{known("Account"), "https://x.example/{object}/{id}", ""};
  auto page = parse_query_page(parser, testdata("account_last_page.json"), m);
  REQUIRE(page);
  CHECK(page->done);
  CHECK(page->next_url.empty());
  REQUIRE(page->page.records.size() == 2);
  CHECK(page->page.records[0].kind == RecordKind::company);
  CHECK(page->page.records[0].email == "");
  CHECK(page->page.records[1].name == "Café \"Zur Post\" KG");
  CHECK(format_iso8601(page->page.records[1].remote_updated_at) == "2025-11-21T08:59:59Z");
  CHECK(format_iso8601(*page->page.high_water) == "2025-11-21T08:59:59Z");
  CHECK(page->page.records[0].web_url == "https://x.example/Account/0015e00000XyZ12AAB");
}

TEST_CASE("salesforce page: malformed answers are errors, not empty pages") {
  simdjson::dom::parser parser;
  RowMapping m{known("Contact"), "{id}", ""};
  CHECK(parse_query_page(parser, "{\"done\":true", m).error().kind == ErrorKind::transient);
  CHECK(parse_query_page(parser, "{\"done\":true}", m).error().kind == ErrorKind::data);
  CHECK(parse_query_page(parser, R"({"done":false,"records":[]})", m).error().kind == ErrorKind::data);
}

TEST_CASE("salesforce SOQL: >= on SystemModstamp with a Z literal, ordered by (SystemModstamp, Id)") {
  SfObject c = known("Contact");
  CHECK(build_soql(c, std::nullopt) ==
        "SELECT Id, Name, FirstName, LastName, Email, Phone, Account.Name, IsDeleted, MasterRecordId, "
        "SystemModstamp FROM Contact ORDER BY SystemModstamp, Id");
  CHECK(build_soql(known("Account"), from_ms(to_ms(*parse_iso8601("2025-11-20T09:00:00.750Z")))) ==
        "SELECT Id, Name, Phone, IsDeleted, MasterRecordId, SystemModstamp FROM Account "
        "WHERE SystemModstamp >= 2025-11-20T09:00:00Z ORDER BY SystemModstamp, Id");
  c.extra = {"LeadSource", "email", "id"};  // SOQL names are case-insensitive: no duplicates
  auto fields = soql_select_fields(c);
  CHECK(std::count(fields.begin(), fields.end(), "LeadSource") == 1);
  CHECK(fields.size() == 11);
}

TEST_CASE("salesforce page token: round trip; garbage is refused") {
  SfPageToken t{"Account", "/services/data/v62.0/query/01gX-200", 1732550400000, 2};
  auto back = decode_sf_page_token(encode_sf_page_token(t));
  REQUIRE(back);
  CHECK(back->object == "Account");
  CHECK(back->next_url == t.next_url);
  CHECK(back->from_ms == t.from_ms);
  CHECK(back->restarts == 2);
  auto start = decode_sf_page_token(encode_sf_page_token(SfPageToken{"Contact", "", std::nullopt, 0}));
  REQUIRE(start);
  CHECK(start->next_url.empty());
  CHECK_FALSE(start->from_ms);
  for (const char* bad : {"", "sf1|", "sf1|Contact|x||", "sf0|Contact|0||", "sf1|Contact|0||http://evil/",
                          "sf1||0||", "sf1|Contact|0|12a|"})
    CHECK_MESSAGE(!decode_sf_page_token(bad), bad);
}

TEST_CASE("salesforce errors: the errorCode decides the kind") {
  struct Case { long status; std::string body; ErrorKind kind; std::string text; };
  const Case cases[] = {
      {401, testdata("error_invalid_session.json"), ErrorKind::auth, "HTTP 401 INVALID_SESSION_ID: Session expired or invalid"},
      {403, testdata("error_request_limit.json"), ErrorKind::transient, "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded."},
      {403, R"([{"message":"The REST API is not enabled for this Organization.","errorCode":"API_DISABLED_FOR_ORG"}])", ErrorKind::auth, "API_DISABLED_FOR_ORG"},
      {400, testdata("error_invalid_field.json"), ErrorKind::config, "No such column 'Tax_Id__c'"},
      {400, R"([{"message":"unexpected token: 'x'","errorCode":"MALFORMED_QUERY"}])", ErrorKind::config, "MALFORMED_QUERY"},
      {404, R"([{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}])", ErrorKind::config, "NOT_FOUND"},
      {503, R"([{"message":"down","errorCode":"SERVER_UNAVAILABLE"}])", ErrorKind::transient, "SERVER_UNAVAILABLE"},
      {502, "<html>Bad gateway</html>", ErrorKind::transient, "HTTP 502"},
  };
  for (const auto& c : cases) {
    HttpResponse r;
    r.status = c.status;
    r.body = c.body;
    Error e = sf_error("source 'sf': Contact query", r);
    CAPTURE(c.body);
    CHECK(e.kind == c.kind);
    CHECK(e.message.find(c.text) != std::string::npos);
    CHECK(e.message.starts_with("source 'sf': Contact query: HTTP"));
  }
  HttpResponse lost;
  lost.status = 400;
  lost.body = R"([{"message":"invalid query locator","errorCode":"INVALID_QUERY_LOCATOR"}])";
  CHECK(is_invalid_locator(lost));
}

TEST_CASE("salesforce quota reserve: the limits resource and the decision") {
  auto q = parse_daily_quota(testdata("limits.json"));
  REQUIRE(q);
  CHECK(q->max == 100000);
  CHECK(q->remaining == 4200);
  CHECK_FALSE(parse_daily_quota(R"({"DailyApiRequests":{"Max":0,"Remaining":0}})"));
  CHECK_FALSE(parse_daily_quota("[]"));
  auto e = quota_reserve_error(q->max, q->remaining, 0.10);
  REQUIRE(e);
  CHECK(e->kind == ErrorKind::skipped);
  CHECK(e->message.find("4200 of 100000 remaining (4.2%), under quota_reserve 10%") != std::string::npos);
  CHECK_FALSE(quota_reserve_error(q->max, q->remaining, 0.04));
}

TEST_CASE("salesforce config: valid blocks load") {
  CHECK(errors_of(kAuth) == "");
  CHECK(errors_of(kAuth + "    objects: [Contact, Account, Lead]\n    api_version: \"61.0\"\n"
                          "    quota_reserve: 10%\n    pin_base_url: true\n"
                          "    fields: { national_id: Tax_Id__c, Contact.email: Work_Email__c }\n"
                          "    extra_fields: [LeadSource, Owner.Name]\n") == "");
}

TEST_CASE("salesforce config errors carry their line and say what is wrong") {
  struct Case { std::string lines; int line; std::string message; };
  const Case cases[] = {
      {"", 3, "needs auth"},
      {"    auth: { type: basic, username: u, password: p }\n", 6, "does not work with Salesforce"},
      {kAuth + "    objects: [Contact, Contacts]\n", 8, "unknown Salesforce object 'Contacts'"},
      {kAuth + "    objects: [Contact, Contact]\n", 8, "listed twice"},
      {kAuth + "    api_version: v28.0\n", 8, "'v28.0' is not a Salesforce API version"},
      {kAuth + "    api_version: latest\n", 8, "'latest' is not a Salesforce API version"},
      {kAuth + "    quota_reserve: 150%\n", 8, "quota_reserve"},
      {kAuth + "    pin_base_url: maybe\n", 8, "pin_base_url"},
      {kAuth + "    fields: { mail: Email }\n", 8, "'mail' is not a record field"},
      {kAuth + "    fields: { email: \"Email; DELETE\" }\n", 8, "is not a Salesforce field name"},
      {kAuth + "    fields: { Lead.email: Email }\n", 8, "names object 'Lead', which is not in objects"},
      {kAuth + "    extra_fields: [Lead Source]\n", 8, "'Lead Source' is not a Salesforce field name"},
      {kAuth + "    web_url: https://acme.lightning.force.com/x\n", 8, "needs {id}"},
      {kAuth + "    api_versoin: v62.0\n", 8, "api_versoin"},
  };
  for (const auto& c : cases) {
    std::string errs = errors_of(c.lines);
    CAPTURE(c.lines);
    CHECK_MESSAGE(errs.find(fmt::format("/etc/crm-index/sf.yaml:{}:", c.line)) != std::string::npos, errs);
    CHECK_MESSAGE(errs.find(c.message) != std::string::npos, errs);
  }
}

namespace {

// A tiny Salesforce: a token endpoint naming this server as instance_url, and queryAll
// answering 3 Contacts in pages of 2 and 1 Account; the first locator request can be
// made to fail with INVALID_QUERY_LOCATOR.
struct MiniSalesforce {
  std::mutex mu;
  std::vector<std::string> requests;  // "GET /path?q=…" with the batch header
  std::vector<bool> via_instance;     // whether a request came through instance_url
  bool lose_locator = false;
  connector_test::LoopbackServer server{[this](const ServerRequest& req) { return handle(req); }};

  std::string base() { return server.base(); }

  static std::string row(const char* type, const char* id, const char* name, const char* ts) {
    return fmt::format(R"({{"attributes":{{"type":"{}"}},"Id":"{}","Name":"{}","IsDeleted":false,"MasterRecordId":null,"SystemModstamp":"{}"}})",
                       type, id, name, ts);
  }

  ServerResponse handle(const ServerRequest& req) {
    std::lock_guard lock(mu);
    std::string q = req.param("q") ? std::string(*req.param("q")) : "";
    // instance_url is this server under /inst: it tells which URL a request was built on.
    std::string path = req.path;
    via_instance.push_back(path.starts_with("/inst/"));
    if (path.starts_with("/inst/")) path.erase(0, 5);
    requests.push_back(req.method + " " + path + (q.empty() ? "" : "?" + q) + " [" +
                       std::string(req.header("sforce-query-options")) + "]");
    if (path == "/token")
      return ServerResponse::json(200, fmt::format(R"({{"access_token":"t1","instance_url":"{}/inst","token_type":"Bearer"}})", base()));
    if (req.header("authorization") != "Bearer t1")
      return ServerResponse::json(401, R"([{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}])");
    if (path == "/services/data/v62.0/queryAll" && q.find("FROM Contact") != std::string::npos)
      return ServerResponse::json(200, fmt::format(R"({{"totalSize":3,"done":false,"nextRecordsUrl":"/services/data/v62.0/query/01gA-2","records":[{},{}]}})",
                                                   row("Contact", "003A", "Ann", "2025-01-01T00:00:00.000+0000"),
                                                   row("Contact", "003B", "Bob", "2025-01-01T00:00:05.000+0000")));
    if (path == "/services/data/v62.0/query/01gA-2") {
      if (lose_locator) {
        lose_locator = false;
        return ServerResponse::json(400, R"([{"message":"invalid query locator","errorCode":"INVALID_QUERY_LOCATOR"}])");
      }
      return ServerResponse::json(200, fmt::format(R"({{"totalSize":3,"done":true,"records":[{}]}})",
                                                   row("Contact", "003C", "Cy", "2025-01-01T00:00:07.000+0000")));
    }
    if (path == "/services/data/v62.0/queryAll" && q.find("FROM Account") != std::string::npos)
      return ServerResponse::json(200, fmt::format(R"({{"totalSize":1,"done":true,"records":[{}]}})",
                                                   row("Account", "001A", "Acme", "2025-01-01T00:00:09.000+0000")));
    return ServerResponse::json(404, R"([{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}])");
  }
};

SourceConfig mini_source(const std::string& base, const std::string& base_url) {
  // The first query goes to base_url (no token yet); later ones to the token's instance_url.
  std::string yaml = fmt::format(R"(database: /tmp/unused.db
sources:
  - name: sf
    type: salesforce
    base_url: {1}
    page_size: 50
    auth: {{ type: oauth2, grant: client_credentials, token_url: {0}/token, client_id: a, client_secret: b }}
)", base, base_url);
  auto loaded = load_config_text(yaml, "/tmp/sf-test.yaml");
  for (auto& e : loaded.errors) FAIL_CHECK(e.format());
  REQUIRE(loaded.config);
  return loaded.config->sources[0];
}

struct Walk {
  std::vector<Record> records;
  std::vector<std::string> tokens;
};

Walk walk(MiniSalesforce& server, std::optional<TimePoint> since) {
  SourceConfig source = mini_source(server.base(), server.base());
  FakeClock clock{from_ms(0)};
  FakeSleeper sleeper;
  auto limiter = std::make_shared<RateLimiter>(1000.0, 1000.0, clock);
  HttpClient http(HttpClientOptions{}, source.auth, limiter, sleeper, clock);
  auto connector = find_connector_type("salesforce")->make(source, http);
  Cursor cursor;
  cursor.since = since;
  Walk w;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = connector->next_page(cursor);
    REQUIRE_MESSAGE(page, page.error().message);
    for (auto& r : page->records) w.records.push_back(r);
    if (!page->next) break;
    w.tokens.push_back(*page->next);
    cursor.page_token = page->next;
  }
  return w;
}

}  // namespace

TEST_CASE("salesforce walk: Contact pages via nextRecordsUrl, then Account; batch size clamped to 200") {
  MiniSalesforce s;
  auto w = walk(s, std::nullopt);
  REQUIRE(w.records.size() == 4);
  CHECK(w.records[0].external_id == "003A");
  CHECK(w.records[2].external_id == "003C");
  CHECK(w.records[3].external_id == "001A");
  CHECK(w.records[3].kind == RecordKind::company);
  CHECK(w.records[3].web_url == s.base() + "/inst/lightning/r/Account/001A/view");
  REQUIRE(s.requests.size() == 4);
  CHECK(s.requests[0].starts_with("POST /token"));
  CHECK(s.requests[1] == "GET /services/data/v62.0/queryAll?SELECT Id, Name, FirstName, LastName, Email, Phone, "
                         "Account.Name, IsDeleted, MasterRecordId, SystemModstamp FROM Contact ORDER BY SystemModstamp, Id "
                         "[batchSize=200]");
  CHECK(s.requests[2].starts_with("GET /services/data/v62.0/query/01gA-2 "));
  CHECK(s.requests[3].find("FROM Account ORDER BY") != std::string::npos);
  // base_url until the token is known, then the token response's instance_url.
  CHECK_FALSE(s.via_instance[1]);
  CHECK(s.via_instance[2]);
  CHECK(s.via_instance[3]);
}

TEST_CASE("salesforce walk: incremental filter; a lost locator restarts at the last SystemModstamp") {
  MiniSalesforce s;
  s.lose_locator = true;
  auto w = walk(s, parse_iso8601("2024-12-31T23:55:00Z"));
  REQUIRE(s.requests.size() == 6);
  CHECK(s.requests[1].find("WHERE SystemModstamp >= 2024-12-31T23:55:00Z ORDER BY") != std::string::npos);
  CHECK(s.requests[2].starts_with("GET /services/data/v62.0/query/01gA-2 "));
  // Restarted from Bob's SystemModstamp, not from the start of the window.
  CHECK(s.requests[3].find("FROM Contact WHERE SystemModstamp >= 2025-01-01T00:00:05Z") != std::string::npos);
  // 003A, 003B; the restart reads 003A, 003B again (at least once: the hashes absorb
  // it), then 003C through the new locator, then the Account.
  CHECK(w.records.size() == 6);
  CHECK(w.tokens.back().starts_with("sf1|Account|0|"));
}

// ---- Live reads: get_by_id against a scripted Salesforce -----------------------------

namespace {

SourceConfig live_source(const std::string& base, const std::string& more = "") {
  return connector_test::load_one_source(
      connector_test::one_source_yaml("sf", "salesforce", base,
                                      "    auth: { type: bearer, token: 00D5e000000XyZ1!session }\n" + more),
      "/tmp/sf-live.yaml");
}

const std::vector<std::string> kAccountFields = {"Industry", "AnnualRevenue", "name", "/attributes/type"};

}  // namespace

TEST_CASE("salesforce: get_by_id reads an Account through sObject Rows and maps it as a page does") {
  connector_test::LiveStub stub;
  stub.answer(200, testdata("account_get.json"));
  SourceConfig source = live_source(stub.base());
  connector_test::LiveTestConnector c("salesforce", source);
  CHECK(c->has_get_by_id());
  auto live = c->get_by_id({"0015e00000XyZ12AAB", RecordKind::company, &kAccountFields});
  REQUIRE_MESSAGE(live, live.error().message);
  // The sync's fields, then the live ones not among them (names are case-insensitive).
  CHECK(stub.requests() == std::vector<std::string>{
                               "GET /services/data/v62.0/sobjects/Account/0015e00000XyZ12AAB?"
                               "fields=Id,Name,Phone,IsDeleted,MasterRecordId,SystemModstamp,Industry,AnnualRevenue&"});
  REQUIRE(live->record);
  const Record& r = *live->record;
  CHECK(r.external_id == "0015e00000XyZ12AAB");
  CHECK(r.kind == RecordKind::company);
  CHECK(r.name == "Acme GmbH");
  CHECK(r.phone == "+49 30 7654321");
  CHECK(r.web_url == stub.base() + "/lightning/r/Account/0015e00000XyZ12AAB/view");
  CHECK(live->crm == R"({"Industry":"Manufacturing","AnnualRevenue":12500000.0,"name":null,"/attributes/type":"Account"})");

  SalesforceOptions o = parse_salesforce_options(source, nullptr);
  simdjson::dom::parser parser;
  RowMapping mapping{o.objects[1], o.web_url, source.base_url};
  auto page = parse_query_page(parser, R"({"done":true,"records":[)" + testdata("account_get.json") + "]}", mapping);
  REQUIRE(page);
  REQUIRE(page->page.records.size() == 1);
  connector_test::check_same_record(r, page->page.records[0]);
}

TEST_CASE("salesforce: a mapping with a parent's field reads the one row with the sync's SELECT") {
  connector_test::LiveStub stub;
  stub.answer(200, testdata("contact_query_by_id.json"));
  SourceConfig source = live_source(stub.base(), "    extra_fields: [LeadSource]\n");
  connector_test::LiveTestConnector c("salesforce", source);
  const std::vector<std::string> fields = {"leadsource", "Title", "/Account/Name"};
  auto live = c->get_by_id({"0035e00000AbCdEAAV", RecordKind::person, &fields});
  REQUIRE_MESSAGE(live, live.error().message);
  CHECK(stub.requests() == std::vector<std::string>{
                               "GET /services/data/v62.0/query?q=SELECT Id, Name, FirstName, LastName, Email, Phone, "
                               "Account.Name, LeadSource, IsDeleted, MasterRecordId, SystemModstamp, Title FROM Contact "
                               "WHERE Id = '0035e00000AbCdEAAV'&"});
  REQUIRE(live->record);
  const Record& r = *live->record;
  CHECK(r.name == "Zoë Łukasz");
  CHECK(r.company == "Acme GmbH");
  CHECK(r.extra == R"({"LeadSource":"Web"})");
  CHECK(live->crm == R"({"leadsource":null,"Title":null,"/Account/Name":"Acme GmbH"})");

  SalesforceOptions o = parse_salesforce_options(source, nullptr);
  simdjson::dom::parser parser;
  RowMapping mapping{o.objects[0], o.web_url, source.base_url};
  auto page = parse_query_page(parser, testdata("contact_query_by_id.json"), mapping);
  REQUIRE(page);
  REQUIRE(page->page.records.size() == 1);
  connector_test::check_same_record(r, page->page.records[0]);

  stub.answer(200, testdata("query_empty.json"));  // query leaves deleted rows out
  auto gone = c->get_by_id({"0035e00000AbCdEAAV", RecordKind::person, &fields});
  REQUIRE(gone);
  CHECK_FALSE(gone->record);
  CHECK(gone->crm == "{}");
}

TEST_CASE("salesforce: get_by_id says gone for NOT_FOUND and ENTITY_IS_DELETED, and refuses what is no id") {
  connector_test::LiveStub stub;
  SourceConfig source = live_source(stub.base());
  connector_test::LiveTestConnector c("salesforce", source);
  for (const char* body : {"error_404_not_found.json", "error_404_entity_is_deleted.json"}) {
    stub.answer(404, testdata(body));
    auto gone = c->get_by_id({"0015e00000XyZ12AAB", RecordKind::company, &kAccountFields});
    REQUIRE(gone);
    CHECK_FALSE(gone->record);
    CHECK(gone->crm == "{}");
  }
  // A wrong api_version is a 404 too, but not a record's: it names no error code we know.
  stub.answer(404, R"([{"errorCode":"NOT_FOUND_VERSION","message":"no such version"}])");
  CHECK_FALSE(c->get_by_id({"0015e00000XyZ12AAB", RecordKind::company, nullptr}));

  const size_t before = stub.requests().size();
  auto injected = c->get_by_id({"001' OR Name != '", RecordKind::company, nullptr});
  REQUIRE_FALSE(injected);
  CHECK(injected.error().kind == ErrorKind::data);
  CHECK(stub.requests().size() == before);  // nothing was sent
}

TEST_CASE("salesforce: get_by_id errors carry the status and Retry-After") {
  connector_test::LiveStub stub;
  SourceConfig source = live_source(stub.base());
  connector_test::LiveTestConnector c("salesforce", source);
  stub.answer(429, R"([{"message":"Too many requests","errorCode":"REQUEST_LIMIT_EXCEEDED"}])", {{"Retry-After", "30"}});
  auto limited = c->get_by_id({"0015e00000XyZ12AAB", RecordKind::company, nullptr});
  REQUIRE_FALSE(limited);
  CHECK(limited.error().kind == ErrorKind::transient);
  CHECK(limited.error().http_status == 429);
  CHECK(limited.error().retry_after_s == 30.0);
  CHECK(stub.requests().size() == 1);

  // Salesforce's own answer to a used-up allowance: 403 without Retry-After.
  stub.answer(403, testdata("error_request_limit.json"));
  auto allowance = c->get_by_id({"0015e00000XyZ12AAB", RecordKind::company, nullptr});
  REQUIRE_FALSE(allowance);
  CHECK(allowance.error().kind == ErrorKind::transient);
  CHECK(allowance.error().http_status == 403);

  stub.answer(503, testdata("error_503_unavailable.json"));
  auto down = c->get_by_id({"0015e00000XyZ12AAB", RecordKind::company, nullptr});
  REQUIRE_FALSE(down);
  CHECK(down.error().kind == ErrorKind::transient);
  CHECK(down.error().http_status == 503);

  stub.answer(401, testdata("error_invalid_session.json"));
  auto refused = c->get_by_id({"0015e00000XyZ12AAB", RecordKind::company, nullptr});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::auth);
  CHECK(refused.error().http_status == 401);
}

TEST_CASE("salesforce: a first get_by_id asks again where the token's instance_url says the org lives") {
  std::mutex mu;
  std::vector<std::string> paths;
  std::string account = testdata("account_get.json");
  std::unique_ptr<connector_test::LoopbackServer> server;
  server = std::make_unique<connector_test::LoopbackServer>([&](const ServerRequest& req) {
    std::lock_guard lock(mu);
    paths.push_back(req.path);
    if (req.path == "/token")
      return ServerResponse::json(200, fmt::format(R"({{"access_token":"t1","instance_url":"{}/inst","token_type":"Bearer"}})",
                                                   server->base()));
    // The login host knows no record: its 404 must not read as "deleted".
    if (!req.path.starts_with("/inst/"))
      return ServerResponse::json(404, R"([{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}])");
    return ServerResponse::json(200, account);
  });
  SourceConfig source = mini_source(server->base(), server->base() + "/login");
  connector_test::LiveTestConnector c("salesforce", source);
  auto live = c->get_by_id({"0015e00000XyZ12AAB", RecordKind::company, nullptr});
  REQUIRE_MESSAGE(live, live.error().message);
  REQUIRE(live->record);
  CHECK(live->record->web_url == server->base() + "/inst/lightning/r/Account/0015e00000XyZ12AAB/view");
  auto again = c->get_by_id({"0015e00000XyZ12AAB", RecordKind::company, nullptr});
  REQUIRE(again);
  std::lock_guard lock(mu);
  CHECK(paths == std::vector<std::string>{"/token", "/login/services/data/v62.0/sobjects/Account/0015e00000XyZ12AAB",
                                          "/inst/services/data/v62.0/sobjects/Account/0015e00000XyZ12AAB",
                                          "/inst/services/data/v62.0/sobjects/Account/0015e00000XyZ12AAB"});
}
