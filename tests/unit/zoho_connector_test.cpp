// The Zoho CRM connector: options validation with file:line, request building (the
// If-Modified-Since value, page tokens), parsing of recorded-style pages
// (connectors/zoho/testdata/), Zoho error codes and their kinds, and walks against a
// loopback server: the Zoho-oauthtoken header, keyset windows, a bulk-updated second
// continued with page_token, 204 answers and the deleted-records endpoint.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "api/http_server.h"
#include "config/config.h"
#include "connectors/registry.h"
#include "connectors/zoho/zoho_options.h"
#include "connectors/zoho/zoho_page.h"
#include "connectors/zoho/zoho_request.h"
#include "http/http_client.h"
#include "tests/unit/connector_test_support.h"
#include "tests/unit/live_read_stub.h"

using namespace crm;

namespace {

std::string testdata(const std::string& name) { return connector_test::testdata("zoho", name); }

const std::string kAuth =
    "    auth: { type: oauth2, grant: refresh_token, token_url: https://accounts.zoho.eu/oauth/v2/token,\n"
    "            client_id: 1000.ABC, client_secret: s3cret-value, refresh_token: 1000.refresh-value }\n";

std::string yaml_with(const std::string& body, const std::string& base = "https://www.zohoapis.eu") {
  return connector_test::one_source_yaml("zo", "zoho", base, body);  // body from line 6
}

std::string errors_of(const std::string& yaml) { return connector_test::config_errors(yaml, "/etc/crm-index/z.yaml"); }

SourceConfig load_source(const std::string& yaml) {
  return connector_test::load_one_source(yaml, "/tmp/zoho-test.yaml");
}

ZohoOptions options_for(const std::string& body) { return parse_zoho_options(load_source(yaml_with(body)), nullptr); }

}  // namespace

TEST_CASE("zoho: a minimal block loads with Contacts and Accounts, the default mapping and web_url") {
  CHECK(errors_of(yaml_with(kAuth)) == "");
  auto o = options_for(kAuth);
  REQUIRE(o.modules.size() == 2);
  CHECK(o.modules[0].name == "Contacts");
  CHECK(o.modules[0].kind == RecordKind::person);
  CHECK(o.modules[1].name == "Accounts");
  CHECK(o.modules[1].kind == RecordKind::company);
  CHECK(o.api_version == "v8");
  CHECK(o.app_url == "https://crm.zoho.eu");
  CHECK(o.web_url == "{app_url}/crm/tab/{object}/{id}");
  CHECK(zoho_field_names(o.modules[0]) ==
        std::vector<std::string>{"Full_Name", "First_Name", "Last_Name", "Email", "Phone", "Account_Name", "Modified_Time"});
  CHECK(zoho_field_names(o.modules[1]) == std::vector<std::string>{"Account_Name", "Phone", "Modified_Time"});
  CHECK(zoho_app_url("https://www.zohoapis.com.au") == "https://crm.zoho.com.au");
  CHECK(zoho_app_url("http://127.0.0.1:4010") == "http://127.0.0.1:4010");
}

TEST_CASE("zoho config errors carry their line and say what is wrong") {
  struct Case { std::string body; int line; std::string message; };
  const Case cases[] = {
      {"    objects: [Contacts, Leads]\n" + kAuth, 6, "unknown module 'Leads' (known: Contacts, Accounts"},
      {"    objects: [contacts]\n" + kAuth, 6, "unknown module 'contacts'"},
      {"    objects: [Contacts, Contacts]\n" + kAuth, 6, "listed twice"},
      {"    web_url: https://x\n", 3, "needs auth"},
      {"    auth: { type: basic, username: u, password: p }\n", 6, "auth.type: 'basic' is not accepted by Zoho CRM"},
      {"    auth: { type: oauth2, grant: client_credentials, token_url: https://a.example/t, client_id: a, client_secret: b }\n",
       6, "grant: refresh_token"},
      {kAuth + "    api_version: 8\n", 8, "api_version: '8' is not a Zoho CRM API version"},
      {kAuth + "    fields: { mail: Secondary_Email }\n", 8, "'mail' cannot be mapped"},
      {kAuth + "    fields: { national_id: Tax-ID }\n", 8, "fields.national_id: 'Tax-ID' is not a Zoho field API name"},
      {kAuth + "    extra_fields: [Lead_Source, 'bad name']\n", 8, "extra_fields: 'bad name'"},
      {kAuth + "    web_url: https://crm.zoho.eu/crm/org1/tab/Contacts\n", 8, "web_url: the template needs {id}"},
      {kAuth + "    auth_typo: 1\n", 8, "unknown key 'auth_typo'"},
  };
  for (const auto& c : cases) {
    std::string errs = errors_of(yaml_with(c.body));
    CAPTURE(c.body);
    CAPTURE(errs);
    CHECK(errs.find(c.message) != std::string::npos);
    CHECK(errs.find(fmt::format("/etc/crm-index/z.yaml:{}:", c.line)) != std::string::npos);
  }
  CHECK(errors_of(yaml_with("    base_url2: x\n" + kAuth, "https://www.zohoapis.eu/crm/v8")).find("give the API root") !=
        std::string::npos);
  std::string many = kAuth + "    extra_fields: [";
  for (int i = 0; i < 50; ++i) many += fmt::format("{}F{}", i ? ", " : "", i);
  CHECK(errors_of(yaml_with(many + "]\n")).find("more than 50 fields") != std::string::npos);
  CHECK(errors_of(yaml_with(kAuth + "    api_version: v2.1\n    fields: { national_id: Tax_ID }\n")) == "");
}

TEST_CASE("zoho requests: fields, ascending order, page or page_token, If-Modified-Since one second early") {
  auto o = options_for(kAuth);
  ZohoToken at;
  CHECK(zoho_list_url("https://www.zohoapis.eu", o, o.modules[0], at, 500) ==
        "https://www.zohoapis.eu/crm/v8/Contacts?fields=Full_Name%2CFirst_Name%2CLast_Name%2CEmail%2CPhone%2CAccount_Name"
        "%2CModified_Time&per_page=200&sort_by=Modified_Time&sort_order=asc&page=1");
  at.page_token = "c8582e7c7aa1d";
  CHECK(zoho_list_url("https://www.zohoapis.eu", o, o.modules[1], at, 50).ends_with("&per_page=50&sort_by=Modified_Time&sort_order=asc&page_token=c8582e7c7aa1d"));
  CHECK(zoho_deleted_url("https://www.zohoapis.eu", o, o.modules[1], 3) ==
        "https://www.zohoapis.eu/crm/v8/Accounts/deleted?type=all&page=3&per_page=200");
  // "After 08:59:59" is ">= 09:00:00" at second resolution; a fraction rounds down first.
  CHECK(zoho_if_modified_since(to_ms(*parse_iso8601("2025-11-20T09:00:00Z"))) == "2025-11-20T08:59:59+00:00");
  CHECK(zoho_if_modified_since(to_ms(*parse_iso8601("2025-11-20T09:00:00.900Z"))) == "2025-11-20T08:59:59+00:00");
  CHECK(zoho_headers(std::nullopt) == Headers{{"Accept", "application/json"}});
  CHECK(zoho_headers(0).at(1) == std::pair<std::string, std::string>{"If-Modified-Since", "1969-12-31T23:59:59+00:00"});

  for (const ZohoToken& t : {ZohoToken{0, std::nullopt, 1, {}}, ZohoToken{1, 1763630043000, 4, {}},
                             ZohoToken{1, -5, 1, "tok;with=odd:chars"}}) {
    auto back = decode_zoho_token(encode_zoho_token(t));
    REQUIRE(back);
    CHECK(back->module == t.module);
    CHECK(back->since_ms == t.since_ms);
    CHECK(back->page == t.page);
    CHECK(back->page_token == t.page_token);
  }
  for (const char* bad : {"", "m=0", "m=x;s=;p=1;t=", "m=0;s=;p=0;t=", "m=0;s=abc;p=1;t=", "obj:0"})
    CHECK_FALSE(decode_zoho_token(bad));
}

TEST_CASE("zoho pages: offsets normalised to UTC, lookups give their name, bad rows skipped") {
  auto o = options_for(kAuth + "    extra_fields: [Lead_Source]\n");
  simdjson::dom::parser parser;
  auto page = parse_zoho_page(testdata("contacts_page1.json"), o.modules[0], o, parser);
  REQUIRE_MESSAGE(page, page.error().message);
  CHECK(page->more_records);
  CHECK(page->next_page_token == "c8582e7c7aa1d");
  REQUIRE(page->page.records.size() == 2);
  CHECK(page->page.skipped == 1);
  REQUIRE(page->page.skip_reasons.size() == 1);
  CHECK(page->page.skip_reasons[0] == "Contacts 554023000000238123: Modified_Time 'yesterday' is not a timestamp");
  const Record& a = page->page.records[0];
  CHECK(a.external_id == "554023000000238121");
  CHECK(a.kind == RecordKind::person);
  CHECK(a.name == "Zoë Łukasz");
  CHECK(a.given_name == "Zoë");
  CHECK(a.email == "zoe@example.com");
  CHECK(a.company == "Acme GmbH");
  CHECK(a.remote_updated_at == *parse_iso8601("2025-11-20T09:14:03Z"));  // 14:44:03+05:30
  CHECK(a.web_url == "https://crm.zoho.eu/crm/tab/Contacts/554023000000238121");
  CHECK(a.extra == R"({"Lead_Source":null})");
  const Record& b = page->page.records[1];
  CHECK(b.name == "O'Brien");  // no Full_Name: built from the parts
  CHECK(b.email.empty());
  CHECK(b.company.empty());
  CHECK(page->page.high_water == *parse_iso8601("2025-11-20T09:14:05Z"));  // 10:14:05+01:00
  CHECK(page->last_modified == *parse_iso8601("2025-11-20T09:14:05Z"));

  auto acc = parse_zoho_page(testdata("accounts_page.json"), o.modules[1], o, parser);
  REQUIRE(acc);
  CHECK_FALSE(acc->more_records);
  CHECK(acc->next_page_token.empty());
  REQUIRE(acc->page.records.size() == 1);
  CHECK(acc->page.records[0].kind == RecordKind::company);
  CHECK(acc->page.records[0].name == "Acme GmbH");
  CHECK(acc->page.records[0].phone == "+49 30 1234500");

  auto del = parse_zoho_deleted_page(testdata("deleted_page.json"), "Contacts", parser);
  REQUIRE(del);
  REQUIRE(del->deletions.size() == 2);
  CHECK(del->deletions[0].external_id == "554023000000238124");
  CHECK(del->deletions[0].deleted_at == *parse_iso8601("2025-11-20T09:30:00Z"));
  CHECK(del->deletions[1].merged_into.empty());  // Zoho does not say who survived a merge

  CHECK_FALSE(parse_zoho_page("{\"data\": [", o.modules[0], o, parser));
  auto no_data = parse_zoho_page(R"({"info":{}})", o.modules[0], o, parser);
  REQUIRE_FALSE(no_data);
  CHECK(no_data.error().kind == ErrorKind::data);
  // An error inside a 200 (the v8 spec models it so) is an error, not an empty page.
  auto in_200 = parse_zoho_page(testdata("error_401_scope.json"), o.modules[0], o, parser);
  REQUIRE_FALSE(in_200);
  CHECK(in_200.error().message.find("OAUTH_SCOPE_MISMATCH") != std::string::npos);
}

TEST_CASE("zoho errors: codes, messages and kinds") {
  struct Case { long status; std::string body; ErrorKind kind; std::string text; };
  const Case cases[] = {
      {401, testdata("error_401.json"), ErrorKind::auth, "list Contacts: HTTP 401: INVALID_TOKEN: invalid oauth token"},
      {401, testdata("error_401_scope.json"), ErrorKind::config, "OAUTH_SCOPE_MISMATCH"},
      {400, testdata("error_400_fields.json"), ErrorKind::config,
       "HTTP 400: REQUIRED_PARAM_MISSING: One of the expected parameter is missing (fields)"},
      {400, testdata("error_400_discrete.json"), ErrorKind::transient, "DISCRETE_PAGINATION_LIMIT_EXCEEDED"},
      {429, testdata("error_429.json"), ErrorKind::transient, "HTTP 429: TOO_MANY_REQUESTS: The number of API requests"},
      {403, R"({"code":"NO_PERMISSION","details":{},"message":"permission denied","status":"error"})", ErrorKind::auth,
       "NO_PERMISSION"},
      {502, "<html>Bad Gateway</html>", ErrorKind::transient, "HTTP 502: <html>Bad Gateway</html>"},
      {404, "", ErrorKind::config, "HTTP 404: (empty body)"},
  };
  for (const auto& c : cases) {
    HttpResponse r;
    r.status = c.status;
    r.body = c.body;
    Error e = zoho_error("source 'zo': list Contacts", r);
    CAPTURE(e.message);
    CHECK(e.kind == c.kind);
    CHECK(e.http_status == c.status);
    CHECK(e.message.find(c.text) != std::string::npos);
  }
}

TEST_CASE("zoho: a Retry-After, when Zoho sends one, reaches the Error for the scheduler") {
  HttpResponse r;
  r.status = 429;
  r.body = R"({"code":"TOO_MANY_REQUESTS","details":{},"message":"limit","status":"error"})";
  CHECK_FALSE(zoho_error("zoho list", r).retry_after_s.has_value());  // the usual case: backoff
  r.retry_after_s = 90;
  CHECK(zoho_error("zoho list", r).retry_after_s == 90.0);
}

namespace {

// A scripted Zoho: Contacts answers from `contacts` by request number, Accounts 204,
// deleted endpoints from `deleted`. Records every request line with its headers.
struct ZohoStub {
  std::mutex mu;
  std::vector<std::string> requests;  // "path?query | if-modified-since | authorization"
  std::function<ServerResponse(const ServerRequest&, size_t n)> contacts;
  std::function<ServerResponse(const ServerRequest&)> deleted = [](const ServerRequest&) {
    ServerResponse r;
    r.status = 204;
    return r;
  };
  size_t contact_requests = 0;
  connector_test::LoopbackServer server{[this](const ServerRequest& req) { return handle(req); }};

  std::string base() { return server.base(); }

  ServerResponse handle(const ServerRequest& req) {
    const std::string q = connector_test::query_text(req);
    std::lock_guard lock(mu);
    requests.push_back(fmt::format("{}?{} | {} | {}", req.path, q, req.header("if-modified-since"),
                                   req.header("authorization")));
    if (req.path.ends_with("/deleted")) return deleted(req);
    if (req.path == "/crm/v8/Contacts") return contacts(req, contact_requests++);
    ServerResponse r;
    r.status = 204;
    return r;
  }
};

// A page of contacts with ids and Modified_Time values (UTC seconds after 09:00:00).
std::string contacts_page(const std::vector<std::pair<int, int>>& id_and_second, bool more, std::string token = "") {
  std::string data;
  for (auto [id, sec] : id_and_second)
    data += fmt::format(R"({}{{"id":"{}","Full_Name":"P {}","Modified_Time":"2025-11-20T14:30:{:02}+05:30"}})",
                        data.empty() ? "" : ",", id, id, sec);
  return fmt::format(R"({{"data":[{}],"info":{{"more_records":{},"next_page_token":{}}}}})", data, more ? "true" : "false",
                     token.empty() ? "null" : "\"" + token + "\"");
}

}  // namespace

TEST_CASE("zoho connector: keyset windows, a bulk second continued with page_token, then Accounts' 204") {
  ZohoStub stub;
  stub.contacts = [](const ServerRequest&, size_t n) {
    switch (n) {
      case 0: return ServerResponse::json(200, contacts_page({{1, 0}, {2, 1}, {3, 5}}, true, "t-a"));
      // A new window from :05 (If-Modified-Since :04): record 3 again, then a bulk second.
      case 1: return ServerResponse::json(200, contacts_page({{3, 5}, {4, 7}, {5, 7}}, true, "t-b"));
      // From :07: the whole page is :07, so the same window goes on with its page token.
      case 2: return ServerResponse::json(200, contacts_page({{4, 7}, {5, 7}, {6, 7}}, true, "t-c"));
      case 3: return ServerResponse::json(200, contacts_page({{7, 7}, {8, 9}}, false));
      default: return ServerResponse::json(500, "{}");
    }
  };
  auto src = load_source(yaml_with("    page_size: 3\n    auth: { type: bearer, token: 1000.tok-123456789 }\n", stub.base()));
  connector_test::TestConnector connector("zoho", src);
  Cursor cursor;
  cursor.mode = SyncMode::incremental;
  cursor.since = parse_iso8601("2025-11-20T08:55:00Z");
  auto w = connector_test::walk_pages(*connector, cursor, 20);
  CHECK(w.pages == 5);
  CHECK(w.ids() == std::vector<std::string>{"1", "2", "3", "3", "4", "5", "4", "5", "6", "7", "8"});
  REQUIRE(stub.requests.size() == 5);
  for (const auto& line : stub.requests) {
    CAPTURE(line);
    CHECK(line.ends_with(" | Zoho-oauthtoken 1000.tok-123456789"));
    CHECK(line.find("sort_by=Modified_Time&sort_order=asc&") != std::string::npos);
  }
  CHECK(stub.requests[0].find("&page=1& | 2025-11-20T08:54:59+00:00 |") != std::string::npos);
  CHECK(stub.requests[1].find("&page=1& | 2025-11-20T09:00:04+00:00 |") != std::string::npos);
  CHECK(stub.requests[2].find("&page=1& | 2025-11-20T09:00:06+00:00 |") != std::string::npos);
  CHECK(stub.requests[3].find("&page_token=t-c& | 2025-11-20T09:00:06+00:00 |") != std::string::npos);
  // Accounts start from the run's own window again.
  CHECK(stub.requests[4].starts_with("/crm/v8/Accounts?fields=Account_Name,Phone,Modified_Time&"));
  CHECK(stub.requests[4].find(" | 2025-11-20T08:54:59+00:00 |") != std::string::npos);

  // deleted_since: every module, 204 is "none", deletions before `since` are dropped.
  stub.deleted = [](const ServerRequest& req) {
    if (req.path.starts_with("/crm/v8/Accounts")) {
      ServerResponse none;
      none.status = 204;
      return none;
    }
    return ServerResponse::json(200, testdata("deleted_page.json"));
  };
  auto gone = connector->deleted_since(*parse_iso8601("2025-11-20T09:10:00Z"));
  REQUIRE_MESSAGE(gone, gone.error().message);
  REQUIRE(gone->size() == 1);
  CHECK((*gone)[0].external_id == "554023000000238124");
  CHECK(stub.requests.back().find("/crm/v8/Accounts/deleted?type=all&page=1&per_page=200& | 2025-11-20T09:09:59+00:00") !=
        std::string::npos);
}

TEST_CASE("zoho connector: a full pass starts without If-Modified-Since; auth.scheme overrides the header word") {
  ZohoStub stub;
  stub.contacts = [](const ServerRequest&, size_t n) {
    if (n == 0) return ServerResponse::json(200, contacts_page({{1, 0}, {2, 1}}, true, "t-a"));
    ServerResponse r;
    r.status = 304;  // some versions answer a conditional GET with nothing new so
    return r;
  };
  auto src = load_source(yaml_with("    objects: [Contacts]\n    auth: { type: bearer, token: tok-1234, scheme: Bearer }\n",
                                   stub.base()));
  connector_test::TestConnector connector("zoho", src);
  auto w = connector_test::walk_pages(*connector, Cursor{}, 20);
  CHECK(w.pages == 2);
  CHECK(w.ids().size() == 2);
  REQUIRE(stub.requests.size() == 2);
  CHECK(stub.requests[0].ends_with("&page=1& |  | Bearer tok-1234"));
  CHECK(stub.requests[1].find(" | 2025-11-20T09:00:00+00:00 | Bearer tok-1234") != std::string::npos);
}

TEST_CASE("zoho connector: a refused request gives Zoho's code and message") {
  ZohoStub stub;
  stub.contacts = [](const ServerRequest&, size_t) {
    return ServerResponse::json(400, testdata("error_400_fields.json"));
  };
  auto src = load_source(yaml_with("    auth: { type: bearer, token: tok-123456789 }\n", stub.base()));
  auto page = connector_test::TestConnector("zoho", src)->next_page(Cursor{});
  REQUIRE_FALSE(page);
  CHECK(page.error().kind == ErrorKind::config);
  CHECK(page.error().message ==
        "list Contacts: HTTP 400: REQUIRED_PARAM_MISSING: One of the expected parameter is missing (fields)");
}

// ---- Live reads: get_by_id against a scripted Zoho CRM -------------------------------

namespace {

SourceConfig live_source(const std::string& base) {
  return connector_test::load_one_source(
      connector_test::one_source_yaml("zo", "zoho", base,
                                      "    extra_fields: [Lead_Source]\n"
                                      "    auth: { type: bearer, token: 1000.tok-123456789 }\n"),
      "/tmp/zoho-live.yaml");
}

const std::string kZohoId = "554023000000238121";
const std::vector<std::string> kLiveFields = {"Lead_Source", "Mobile", "Email", "/Account_Name/id"};

}  // namespace

TEST_CASE("zoho: get_by_id reads one record with Get Record and maps it as a page does") {
  connector_test::LiveStub stub;
  stub.answer(200, testdata("contact_get.json"));
  SourceConfig source = live_source(stub.base());
  connector_test::LiveTestConnector c("zoho", source);
  CHECK(c->has_get_by_id());
  auto live = c->get_by_id({kZohoId, RecordKind::person, &kLiveFields});
  REQUIRE_MESSAGE(live, live.error().message);
  CHECK(stub.requests() ==
        std::vector<std::string>{"GET /crm/v8/Contacts/" + kZohoId +
                                 "?fields=Full_Name,First_Name,Last_Name,Email,Phone,Account_Name,Lead_Source,"
                                 "Modified_Time,Mobile&"});
  REQUIRE(live->record);
  const Record& r = *live->record;
  CHECK(r.external_id == kZohoId);
  CHECK(r.name == "Zoë Łukasz");
  CHECK(r.company == "Acme GmbH");
  CHECK(r.extra == R"({"Lead_Source":"Web"})");
  CHECK(format_iso8601(r.remote_updated_at) == "2025-11-20T09:14:03Z");
  CHECK(live->crm == R"({"Lead_Source":"Web","Mobile":null,"Email":"zoe@example.com","/Account_Name/id":"554023000000238001"})");

  ZohoOptions o = parse_zoho_options(source, nullptr);
  simdjson::dom::parser parser;
  auto page = parse_zoho_page(testdata("contact_get.json"), o.modules[0], o, parser);
  REQUIRE(page);
  REQUIRE(page->page.records.size() == 1);
  connector_test::check_same_record(r, page->page.records[0]);
}

TEST_CASE("zoho: get_by_id says gone for 204 and INVALID_DATA about the id, not about a field") {
  connector_test::LiveStub stub;
  SourceConfig source = live_source(stub.base());
  connector_test::LiveTestConnector c("zoho", source);
  stub.answer(204, "");
  auto binned = c->get_by_id({kZohoId, RecordKind::person, &kLiveFields});
  REQUIRE(binned);
  CHECK_FALSE(binned->record);
  CHECK(binned->crm == "{}");

  stub.answer(400, testdata("error_400_invalid_id.json"));
  auto invalid = c->get_by_id({"554023000000999999", RecordKind::company, nullptr});
  REQUIRE(invalid);
  CHECK_FALSE(invalid->record);
  CHECK(stub.requests().back().starts_with("GET /crm/v8/Accounts/554023000000999999?fields="));

  stub.answer(200, R"({"data":[]})");
  auto empty = c->get_by_id({kZohoId, RecordKind::person, nullptr});
  REQUIRE(empty);
  CHECK_FALSE(empty->record);

  // A live field Zoho does not know is the operator's mistake, not a deletion.
  stub.answer(400, R"({"code":"INVALID_DATA","details":{"api_name":"Nosuch"},"message":"invalid data","status":"error"})");
  auto field = c->get_by_id({kZohoId, RecordKind::person, nullptr});
  REQUIRE_FALSE(field);
  CHECK(field.error().kind == ErrorKind::config);
  CHECK(field.error().http_status == 400);
}

TEST_CASE("zoho: get_by_id errors carry the status and Retry-After") {
  connector_test::LiveStub stub;
  SourceConfig source = live_source(stub.base());
  connector_test::LiveTestConnector c("zoho", source);
  stub.answer(429, testdata("error_429.json"), {{"Retry-After", "60"}});
  auto limited = c->get_by_id({kZohoId, RecordKind::person, nullptr});
  REQUIRE_FALSE(limited);
  CHECK(limited.error().kind == ErrorKind::transient);
  CHECK(limited.error().http_status == 429);
  CHECK(limited.error().retry_after_s == 60.0);
  CHECK(stub.requests().size() == 1);

  stub.answer(500, testdata("error_500.json"));
  auto down = c->get_by_id({kZohoId, RecordKind::person, nullptr});
  REQUIRE_FALSE(down);
  CHECK(down.error().kind == ErrorKind::transient);
  CHECK(down.error().http_status == 500);

  stub.answer(401, testdata("error_401.json"));
  auto refused = c->get_by_id({kZohoId, RecordKind::person, nullptr});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::auth);
  CHECK(refused.error().http_status == 401);

  // An error body inside a 200, as Zoho's v8 spec allows.
  stub.answer(200, testdata("error_401.json"));
  CHECK_FALSE(c->get_by_id({kZohoId, RecordKind::person, nullptr}));
}
