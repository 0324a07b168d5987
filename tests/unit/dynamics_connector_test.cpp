// The Dynamics 365 (Dataverse Web API) connector: options validation with file:line,
// request building, parsing of recorded-style pages (connectors/dynamics/testdata/),
// OData error mapping, and a walk over contacts then accounts against a loopback server
// that checks the headers of every request, next links included.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "api/http_server.h"
#include "config/config.h"
#include "connectors/dynamics/dynamics_options.h"
#include "connectors/dynamics/dynamics_page.h"
#include "connectors/dynamics/dynamics_request.h"
#include "connectors/dynamics/dynamics_state.h"
#include "connectors/registry.h"
#include "http/http_client.h"
#include "tests/unit/connector_test_support.h"
#include "tests/unit/live_read_stub.h"

using namespace crm;

namespace {

std::string testdata(const std::string& name) { return connector_test::testdata("dynamics", name); }

const std::string kAuth =
    "    auth: { type: oauth2, grant: client_credentials, token_url: http://127.0.0.1:9/t/oauth2/v2.0/token,\n"
    "            client_id: app, client_secret: s3cret-value, scope: https://acme.crm4.dynamics.com/.default }\n";

std::string yaml_with(const std::string& body) {
  return connector_test::one_source_yaml("dyn", "dynamics", "https://acme.crm4.dynamics.com", body);  // body from line 6
}

std::string errors_of(const std::string& yaml) { return connector_test::config_errors(yaml, "/etc/crm-index/d.yaml"); }

SourceConfig load_source(const std::string& yaml) {
  return connector_test::load_one_source(yaml, "/tmp/dyn-test.yaml");
}

DynamicsOptions options_for(const std::string& body) {
  return parse_dynamics_options(load_source(yaml_with(body)), nullptr);
}

}  // namespace

TEST_CASE("dynamics: a minimal block loads with the default objects, mapping and web_url") {
  CHECK(errors_of(yaml_with(kAuth)) == "");
  auto o = options_for(kAuth);
  REQUIRE(o.objects.size() == 2);
  CHECK(o.objects[0].set == "contacts");
  CHECK(o.objects[0].kind == RecordKind::person);
  CHECK(o.objects[1].set == "accounts");
  CHECK(o.objects[1].kind == RecordKind::company);
  CHECK(o.web_url == "{base_url}/main.aspx?etn={object}&id={id}&pagetype=entityrecord");
  CHECK(o.inactive == InactivePolicy::index);
}

TEST_CASE("dynamics config errors carry their line and say what is wrong") {
  struct Case { std::string body; int line; int column; std::string message; };
  const Case cases[] = {
      {"    objects: [contacts, leads]\n" + kAuth, 6, 25, "unknown object 'leads' (known: contacts, accounts"},
      {"    objects: [Contact]\n" + kAuth, 6, 15, "unknown object 'Contact'"},
      {"    objects: [contacts, contacts]\n" + kAuth, 6, 25, "listed twice"},
      {"    objects: []\n" + kAuth, 6, 14, "expected a list of contacts, accounts"},
      {"    web_url: https://x\n", 3, 5, "needs auth"},
      {"    auth: { type: api_key, in: header, name: X, value: v }\n", 6, 19, "auth.type: 'api_key' is not accepted"},
      {"    auth: { type: oauth2, grant: client_credentials, token_url: http://127.0.0.1:9/t, client_id: a, client_secret: b }\n",
       6, 11, "auth.scope"},
      {kAuth + "    fields: { mail: emailaddress2 }\n", 8, 13, "'mail' cannot be mapped"},
      {kAuth + "    fields: { national_id: \"new tax\" }\n", 8, 28, "is not a column name"},
      {kAuth + "    extra_fields: [new_region, \"a/b\"]\n", 8, 32, "extra_fields: 'a/b' is not a column name"},
      {kAuth + "    inactive: hide\n", 8, 15, "inactive: 'hide' is not index or tombstone"},
      {kAuth + "    web_url: https://acme.crm4.dynamics.com/main.aspx\n", 8, 14, "needs {id}"},
      {kAuth + "    color: blue\n", 8, 5, "unknown key 'color'"},
  };
  for (const auto& c : cases) {
    std::string errs = errors_of(yaml_with(c.body));
    CAPTURE(c.body);
    CAPTURE(errs);
    CHECK(errs.find(fmt::format("/etc/crm-index/d.yaml:{}:{}: ", c.line, c.column)) != std::string::npos);
    CHECK(errs.find(c.message) != std::string::npos);
    CHECK(errs.find("s3cret-value") == std::string::npos);
  }
  // base_url is checked by the loader (bad URL) and by the connector (API root given).
  std::string bad = "database: /tmp/x.db\nsources:\n  - name: dyn\n    type: dynamics\n    base_url: acme.crm4\n" + kAuth;
  CHECK(errors_of(bad).find("d.yaml:5:15: base_url: 'acme.crm4' is not a valid URL") != std::string::npos);
  std::string api = "database: /tmp/x.db\nsources:\n  - name: dyn\n    type: dynamics\n"
                    "    base_url: https://acme.crm4.dynamics.com/api/data/v9.2\n" + kAuth;
  CHECK(errors_of(api).find("d.yaml:5:15: source 'dyn': base_url: give the environment root") != std::string::npos);
}

TEST_CASE("dynamics request: $select, $orderby, unquoted UTC $filter only when incremental") {
  auto o = options_for(kAuth + "    extra_fields: [new_region]\n");
  const auto& contacts = o.objects[0];
  CHECK(dynamics_list_url("https://acme.crm4.dynamics.com", contacts, std::nullopt) ==
        "https://acme.crm4.dynamics.com/api/data/v9.2/contacts"
        "?$select=contactid%2Cfullname%2Cfirstname%2Clastname%2Cemailaddress1%2Ctelephone1%2C"
        "_parentcustomerid_value%2Cnew_region%2Cmodifiedon%2Cstatecode%2Cmerged%2C_masterid_value"
        "&$orderby=modifiedon%20asc%2Ccontactid%20asc");
  std::string inc = dynamics_list_url("https://acme.crm4.dynamics.com", o.objects[1],
                                      parse_iso8601("2025-11-20T10:00:00.750+01:00"));
  CHECK(inc.find("/api/data/v9.2/accounts?$select=accountid%2Cname%2C") != std::string::npos);
  CHECK(inc.find("&$orderby=modifiedon%20asc%2Caccountid%20asc") != std::string::npos);
  CHECK(inc.ends_with("&$filter=modifiedon%20ge%202025-11-20T09%3A00%3A00Z"));

  Headers h = dynamics_headers(200);
  CHECK(h == Headers{{"Accept", "application/json"}, {"OData-MaxVersion", "4.0"}, {"OData-Version", "4.0"},
                     {"Prefer", "odata.maxpagesize=200,odata.include-annotations=\"OData.Community.Display.V1.FormattedValue\""}});
  CHECK(dynamics_headers(20000)[3].second.starts_with("odata.maxpagesize=5000,"));
  // A change-tracking read: $select only (Dataverse refuses $filter and $orderby with it).
  CHECK(dynamics_tracked_url("https://acme.crm4.dynamics.com", o.objects[1]) ==
        "https://acme.crm4.dynamics.com/api/data/v9.2/accounts?$select=accountid%2Cname%2Cemailaddress1%2C"
        "telephone1%2Cnew_region%2Cmodifiedon%2Cstatecode%2Cmerged%2C_masterid_value");
  CHECK(dynamics_headers(200, true)[3].second ==
        "odata.track-changes,odata.maxpagesize=200,odata.include-annotations=\"OData.Community.Display.V1.FormattedValue\"");
  auto plain = decode_dynamics_token(encode_dynamics_token({1, "https://x/api?$skiptoken=c", true}));
  REQUIRE(plain);
  CHECK(plain->plain);
  CHECK(encode_dynamics_token({1, "https://x/y", true}) == "list:1:https://x/y");

  CHECK(encode_dynamics_token({1, ""}) == "obj:1");
  auto t = decode_dynamics_token(encode_dynamics_token({0, "https://x/api?$skiptoken=a:b"}));
  REQUIRE(t);
  CHECK(t->object == 0);
  CHECK(t->next_link == "https://x/api?$skiptoken=a:b");
  CHECK_FALSE(decode_dynamics_token("next:0:"));
  CHECK_FALSE(decode_dynamics_token("obj:x"));
  CHECK_FALSE(decode_dynamics_token("url:https://x"));
}

TEST_CASE("dynamics page: contacts with the parent account's formatted name, raw UTC times, next link") {
  auto o = options_for(kAuth);
  simdjson::dom::parser parser;
  auto p = parse_dynamics_page(testdata("contacts_page1.json"), o.objects[0], o, "https://acme.crm4.dynamics.com", parser);
  REQUIRE_MESSAGE(p, p.error().message);
  REQUIRE(p->page.records.size() == 2);
  const Record& a = p->page.records[0];
  CHECK(a.external_id == "49b0be2e-d01c-ed11-b83e-000d3a572421");
  CHECK(a.kind == RecordKind::person);
  CHECK(a.name == "Zoë Łukasz");
  CHECK(a.given_name == "Zoë");
  CHECK(a.family_name == "Łukasz");
  CHECK(a.email == "zoe@example.com");
  CHECK(a.phone == "+49 30 1234567");
  CHECK(a.company == "Acme GmbH");
  CHECK(format_iso8601(a.remote_updated_at) == "2025-11-20T09:14:03Z");  // not the localised 10:14
  CHECK(a.web_url == "https://acme.crm4.dynamics.com/main.aspx?etn=contact&id=49b0be2e-d01c-ed11-b83e-000d3a572421&pagetype=entityrecord");
  CHECK_FALSE(a.deleted);
  const Record& b = p->page.records[1];
  CHECK(b.company == "");  // the parent is a contact, not a company
  CHECK(b.email == "");
  CHECK(p->page.high_water == parse_iso8601("2025-11-20T09:14:03Z"));
  CHECK(p->next_link.starts_with("https://acme.crm4.dynamics.com/api/data/v9.2/contacts?$select="));
  CHECK(p->next_link.find("$skiptoken=") != std::string::npos);
}

TEST_CASE("dynamics page: merged rows are tombstones with merged_into; inactive rows per option") {
  simdjson::dom::parser parser;
  for (bool tombstone : {false, true}) {
    auto o = options_for(kAuth + (tombstone ? "    inactive: tombstone\n" : ""));
    auto p = parse_dynamics_page(testdata("contacts_page2.json"), o.objects[0], o, "https://acme.crm4.dynamics.com", parser);
    REQUIRE(p);
    CHECK(p->next_link == "");
    REQUIRE(p->page.records.size() == 2);
    CHECK(p->page.skipped == 1);  // the row without contactid
    const Record& merged = p->page.records[0];
    CHECK(merged.deleted);
    CHECK(merged.merged_into == "49b0be2e-d01c-ed11-b83e-000d3a572421");
    const Record& inactive = p->page.records[1];
    CHECK(inactive.deleted == tombstone);
    CHECK(inactive.merged_into == "");
    CHECK(p->page.high_water == parse_iso8601("2025-11-20T09:21:30Z"));
  }
}

TEST_CASE("dynamics page: accounts are companies, extra columns land in extra, custom web_url") {
  auto o = options_for(kAuth + "    extra_fields: [new_taxid]\n    fields: { national_id: new_taxid }\n"
                               "    web_url: https://crm.example/{object}/{id}\n");
  simdjson::dom::parser parser;
  auto p = parse_dynamics_page(testdata("accounts_page.json"), o.objects[1], o, "https://acme.crm4.dynamics.com", parser);
  REQUIRE(p);
  REQUIRE(p->page.records.size() == 1);
  const Record& r = p->page.records[0];
  CHECK(r.kind == RecordKind::company);
  CHECK(r.name == "Acme GmbH");
  CHECK(r.email == "info@acme.example.com");
  CHECK(r.national_id == "DE123456789");
  CHECK(r.extra == R"({"new_taxid":"DE123456789"})");
  CHECK(r.web_url == "https://crm.example/account/bb8055c0-aea6-ea11-a812-000d3a55d474");
  CHECK_FALSE(parse_dynamics_page("{\"value\": [", o.objects[1], o, "", parser));
  auto no_value = parse_dynamics_page("{\"error\":{}}", o.objects[1], o, "", parser);
  REQUIRE_FALSE(no_value);
  CHECK(no_value.error().kind == ErrorKind::data);
}

TEST_CASE("dynamics errors: OData codes and messages, kinds, the empty-bodied 401") {
  struct Case { long status; std::string body; Headers headers; ErrorKind kind; std::string text; };
  const Case cases[] = {
      {429, testdata("error_429.json"), {{"retry-after", "30"}}, ErrorKind::transient,
       "list contacts: HTTP 429: 0x80072322: Number of requests exceeded the limit of 6000"},
      {400, testdata("error_400_column.json"), {}, ErrorKind::config,
       "HTTP 400: 0x80060888: Could not find a property named 'emailadress1'"},
      {403, testdata("error_403.json"), {}, ErrorKind::auth, "0x80040220: Principal user"},
      {401, "", {{"www-authenticate", "Bearer error=invalid_token, error_description=\"Error during token validation!\", authorization_uri=https://login.microsoftonline.com/x"}},
       ErrorKind::auth, "HTTP 401: WWW-Authenticate: Bearer error=invalid_token, error_description=\"Error during token validation!\""},
      {503, "<html>Service Unavailable</html>", {}, ErrorKind::transient, "HTTP 503: <html>Service Unavailable</html>"},
  };
  for (const auto& c : cases) {
    HttpResponse r;
    r.status = c.status;
    r.body = c.body;
    r.headers = c.headers;
    Error e = dynamics_error("source 'dyn': list contacts", r);
    CAPTURE(e.message);
    CHECK(e.kind == c.kind);
    CHECK(e.http_status == c.status);
    CHECK(e.message.find(c.text) != std::string::npos);
    CHECK(e.message.find("authorization_uri") == std::string::npos);
  }
}

TEST_CASE("dynamics page: a delta holds changed rows, deleted rows by id, and the next delta link") {
  auto o = options_for(kAuth);
  simdjson::dom::parser parser;
  auto p = parse_dynamics_page(testdata("contacts_delta.json"), o.objects[0], o, "https://acme.crm4.dynamics.com", parser);
  REQUIRE_MESSAGE(p, p.error().message);
  REQUIRE(p->page.records.size() == 1);
  CHECK(p->page.records[0].email == "zoe.lukasz@example.com");
  CHECK_FALSE(p->page.records[0].deleted);
  // "deleted" and "changed" (left the result set) both leave the index; one has no id.
  REQUIRE(p->page.deletions.size() == 2);
  CHECK(p->page.deletions[0].external_id == "2e451703-c686-e711-80e5-00155db19e6d");
  CHECK(p->page.deletions[1].external_id == "7a1c0e55-c686-e711-80e5-00155db19e6d");
  CHECK(p->page.skipped == 1);
  CHECK(p->next_link == "");
  CHECK(p->delta_link.ends_with("&$deltatoken=919058%2111%2f20%2f2025%2009%3a31%3a20"));
  CHECK(p->page.high_water == parse_iso8601("2025-11-20T09:30:02Z"));

  HttpResponse expired;
  expired.status = 400;
  expired.body = testdata("error_expired_version_stamp.json");
  CHECK(dynamics_error_code(expired) == kDynamicsExpiredVersionStamp);
  expired.body = testdata("error_400_column.json");
  CHECK(dynamics_error_code(expired) == "0x80060888");
  expired.body = "";
  CHECK(dynamics_error_code(expired) == "");
}

TEST_CASE("dynamics state: one delta link per entity set, with the columns it was made for") {
  simdjson::dom::parser parser;
  DynamicsState st;
  st.objects["contacts"] = {"contactid,fullname", "https://x/api/data/v9.2/contacts?$deltatoken=1%2101"};
  st.objects["accounts"] = {"accountid,name", ""};
  auto back = decode_dynamics_state(encode_dynamics_state(st), parser);
  REQUIRE(back);
  CHECK(back->objects.size() == 2);
  CHECK(back->objects["contacts"].delta == st.objects["contacts"].delta);
  CHECK(back->objects["accounts"].select == "accountid,name");
  CHECK(back->objects["accounts"].delta == "");
  for (const char* bad : {"", "{}", "[1]", R"({"v":2,"objects":{}})", R"({"v":1,"objects":{"contacts":{"select":1}}})"})
    CHECK_FALSE(decode_dynamics_state(bad, parser));
}

TEST_CASE("dynamics: a 429's Retry-After reaches the Error for the scheduler") {
  HttpResponse r;
  r.status = 429;
  r.body = R"({"error":{"code":"0x80072322","message":"Number of requests exceeded the limit"}})";
  r.retry_after_s = 300;
  Error e = dynamics_error("source 'dyn': list contacts", r);
  CHECK(e.kind == ErrorKind::transient);
  CHECK(e.retry_after_s == 300.0);
  r.status = 401;
  CHECK_FALSE(dynamics_error("source 'dyn': list contacts", r).retry_after_s.has_value());
}

namespace {

// Serves the testdata pages: contacts page 1 → (next link) page 2, then accounts.
struct DataverseStub {
  std::mutex mu;
  std::vector<std::string> requests;  // "path?query | prefer | odata-version | authorization"
  bool expire_deltas = false;       // delta links answer 0x80044352
  bool untracked_accounts = false;  // accounts refuse odata.track-changes
  connector_test::LoopbackServer server{[this](const ServerRequest& req) { return handle(req); }};

  std::string base() { return server.base(); }

  ServerResponse handle(const ServerRequest& req) {
    const std::string q = connector_test::query_text(req);
    {
      std::lock_guard lock(mu);
      requests.push_back(fmt::format("{}?{} | {} | {} | {}", req.path, q, req.header("prefer"),
                                     req.header("odata-version"), req.header("authorization")));
    }
    auto rebase = [&](std::string body) {
      const std::string from = "https://acme.crm4.dynamics.com";
      for (size_t at = body.find(from); at != std::string::npos; at = body.find(from, at))
        body.replace(at, from.size(), base());
      return body;
    };
    const bool tracked = req.header("prefer").starts_with("odata.track-changes,");
    // The last page of a change-tracking read ends with a delta link, as Dataverse's does.
    auto last = [&](std::string body, std::string_view set) {
      if (tracked)
        body.insert(body.rfind('}'), fmt::format(R"(, "@odata.deltaLink": "{}/api/data/v9.2/{}?$select=x&$deltatoken=7%2101")",
                                                 base(), set));
      return ServerResponse::json(200, rebase(std::move(body)));
    };
    if (req.path == "/api/data/v9.2/contacts" && req.param("$deltatoken")) {
      if (expire_deltas) return ServerResponse::json(400, testdata("error_expired_version_stamp.json"));
      return ServerResponse::json(200, rebase(testdata("contacts_delta.json")));
    }
    if (req.path == "/api/data/v9.2/accounts" && tracked && untracked_accounts)
      return ServerResponse::json(400, R"({"error":{"code":"0x80060888","message":"change tracking is not enabled for account"}})");
    if (req.path == "/api/data/v9.2/contacts") {
      if (req.param("$skiptoken")) return last(testdata("contacts_page2.json"), "contacts");
      return ServerResponse::json(200, rebase(testdata("contacts_page1.json")));
    }
    if (req.path == "/api/data/v9.2/accounts") return last(testdata("accounts_page.json"), "accounts");
    return ServerResponse::json(404, R"({"error":{"code":"0x80060888","message":"Resource not found for the segment 'x'."}})");
  }
};

SourceConfig stub_source(DataverseStub& stub) {
  return load_source(fmt::format("database: /tmp/x.db\nsources:\n  - name: dyn\n    type: dynamics\n"
                                 "    base_url: {}\n    page_size: 2\n    auth: {{ type: bearer, token: tok-123456789 }}\n",
                                 stub.base()));
}

// An incremental run's first cursor with the state a run before it left.
Cursor incremental(std::optional<std::string> state) {
  Cursor c;
  c.mode = SyncMode::incremental;
  c.since = parse_iso8601("2025-11-20T09:00:00Z");
  c.state = std::move(state);
  return c;
}

// Pages from `cursor` on as the engine asks for them: Page::state handed on.
struct Walk {
  std::vector<Page> pages;
  std::optional<std::string> state;
};
Walk walk(Connector& connector, Cursor cursor) {
  Walk w;
  w.state = cursor.state;
  for (int i = 0; i < 10; ++i) {
    auto page = connector.next_page(cursor);
    REQUIRE_MESSAGE(page, page.error().message);
    if (page->state) w.state = cursor.state = page->state;
    w.pages.push_back(std::move(*page));
    if (!w.pages.back().next) return w;
    cursor.page_token = w.pages.back().next;
  }
  FAIL("pagination did not end");
  return w;
}

}  // namespace

TEST_CASE("dynamics connector: a full pass tracks changes: contacts then accounts, next links verbatim") {
  DataverseStub stub;
  auto src = stub_source(stub);
  connector_test::TestConnector connector("dynamics", src);
  Walk w = walk(*connector, Cursor{});
  REQUIRE(w.pages.size() == 3);
  CHECK(w.pages[0].records.size() == 2);
  CHECK(w.pages[2].records[0].kind == RecordKind::company);
  REQUIRE(stub.requests.size() == 3);
  const std::string prefer =
      R"(odata.track-changes,odata.maxpagesize=2,odata.include-annotations="OData.Community.Display.V1.FormattedValue")";
  for (const auto& line : stub.requests) {
    CAPTURE(line);
    CHECK(line.find(" | " + prefer + " | 4.0 | Bearer tok-123456789") != std::string::npos);
    CHECK(line.find("$filter") == std::string::npos);
  }
  CHECK(stub.requests[0].starts_with("/api/data/v9.2/contacts?$select=contactid,fullname,"));
  CHECK(stub.requests[0].find("$orderby") == std::string::npos);
  // The next link as given: its $skiptoken holds a cookie.
  CHECK(stub.requests[1].find("$skiptoken=<cookie pagenumber=\"2\"") != std::string::npos);
  CHECK(stub.requests[2].starts_with("/api/data/v9.2/accounts?$select=accountid,"));
  // Each object's last page carries the state, one delta link per entity set.
  CHECK_FALSE(w.pages[0].state);
  REQUIRE(w.pages[1].state);
  REQUIRE(w.pages[2].state);
  simdjson::dom::parser parser;
  auto after_contacts = decode_dynamics_state(*w.pages[1].state, parser);
  REQUIRE(after_contacts);
  CHECK(after_contacts->objects.size() == 1);
  auto st = decode_dynamics_state(*w.state, parser);
  REQUIRE(st);
  REQUIRE(st->objects.size() == 2);
  CHECK(st->objects["contacts"].delta == stub.base() + "/api/data/v9.2/contacts?$select=x&$deltatoken=7%2101");
  CHECK(st->objects["accounts"].delta.ends_with("/accounts?$select=x&$deltatoken=7%2101"));
  CHECK(st->objects["accounts"].select == "accountid,name,emailaddress1,telephone1,modifiedon,statecode,merged,_masterid_value");

  // The incremental run asks each delta link: changes and deletions, then new links.
  stub.requests.clear();
  Walk d = walk(*connector, incremental(w.state));
  REQUIRE(d.pages.size() == 2);
  CHECK(d.pages[0].records.size() == 1);
  CHECK(d.pages[0].deletions.size() == 2);
  REQUIRE(stub.requests.size() == 2);
  CHECK(stub.requests[0].starts_with("/api/data/v9.2/contacts?$select=x&$deltatoken=7!01& | odata.track-changes,"));
  st = decode_dynamics_state(*d.state, parser);
  REQUIRE(st);
  CHECK(st->objects["contacts"].delta.ends_with("&$deltatoken=919058%2111%2f20%2f2025%2009%3a31%3a20"));
}

TEST_CASE("dynamics connector: an unusable state or an expired delta link asks for a full pass") {
  DataverseStub stub;
  auto src = stub_source(stub);
  connector_test::TestConnector connector("dynamics", src);
  Walk full = walk(*connector, Cursor{});
  auto first_page = [&](std::optional<std::string> state) {
    stub.requests.clear();
    auto page = connector->next_page(incremental(std::move(state)));
    REQUIRE_MESSAGE(page, page.error().message);
    return *page;
  };
  for (auto state : {std::optional<std::string>(), std::optional<std::string>("garbage"),
                     std::optional<std::string>(R"({"v":1,"objects":{}})")}) {
    Page p = first_page(state);
    REQUIRE(p.needs_full_pass);
    CHECK(p.records.empty());
    CHECK_FALSE(p.next);
    CHECK(stub.requests.empty());  // decided without asking the CRM
  }
  // A delta link made for other columns (fields: changed) is no use either.
  simdjson::dom::parser parser;
  auto st = decode_dynamics_state(*full.state, parser);
  st->objects["contacts"].select += ",new_region";
  Page p = first_page(encode_dynamics_state(*st));
  REQUIRE(p.needs_full_pass);
  CHECK(p.needs_full_pass->find("columns read from contacts changed") != std::string::npos);

  stub.expire_deltas = true;
  p = first_page(full.state);
  REQUIRE(p.needs_full_pass);
  CAPTURE(*p.needs_full_pass);
  CHECK(p.needs_full_pass->find("0x80044352: Version stamp associated with the client has expired") != std::string::npos);
  CHECK(stub.requests.size() == 1);
}

TEST_CASE("dynamics connector: a table without change tracking is read with the modifiedon filter") {
  DataverseStub stub;
  stub.untracked_accounts = true;
  auto src = stub_source(stub);
  connector_test::TestConnector connector("dynamics", src);
  Walk full = walk(*connector, Cursor{});
  REQUIRE(full.pages.size() == 3);
  CHECK(full.pages[2].records.size() == 1);  // asked again without odata.track-changes
  REQUIRE(stub.requests.size() == 4);
  CHECK(stub.requests[3].find("$orderby=modifiedon asc,accountid asc& | odata.maxpagesize=2,") != std::string::npos);
  simdjson::dom::parser parser;
  auto st = decode_dynamics_state(*full.state, parser);
  REQUIRE(st);
  CHECK(st->objects["accounts"].delta == "");
  CHECK(st->objects["contacts"].delta != "");

  stub.requests.clear();
  Walk d = walk(*connector, incremental(full.state));
  REQUIRE(stub.requests.size() == 2);
  CHECK(stub.requests[0].find("$deltatoken=") != std::string::npos);
  CHECK(stub.requests[1].find("$filter=modifiedon ge 2025-11-20T09:00:00Z&") != std::string::npos);
  CHECK(stub.requests[1].find("| odata.maxpagesize=2,") != std::string::npos);
  st = decode_dynamics_state(*d.state, parser);
  CHECK(st->objects["accounts"].delta == "");
}

TEST_CASE("dynamics connector: a refused request gives Dataverse's message") {
  DataverseStub stub;
  auto src = load_source(fmt::format("database: /tmp/x.db\nsources:\n  - name: dyn\n    type: dynamics\n"
                                     "    base_url: {}/nowhere\n    auth: {{ type: bearer, token: tok-123456789 }}\n",
                                     stub.base()));
  auto page = connector_test::TestConnector("dynamics", src)->next_page(Cursor{});
  REQUIRE_FALSE(page);
  CHECK(page.error().kind == ErrorKind::config);
  // The engine puts "source 'dyn': " before it (source_context_test.cpp).
  CHECK(page.error().message.starts_with("list contacts: HTTP 404: 0x80060888: Resource not found"));
}

// ---- Live reads: get_by_id against a scripted Dataverse ------------------------------

namespace {

SourceConfig live_source(const std::string& base, const std::string& more = "") {
  return connector_test::load_one_source(
      connector_test::one_source_yaml("dyn", "dynamics", base,
                                      "    extra_fields: [jobtitle]\n"
                                      "    auth: { type: bearer, token: tok-123456789 }\n" + more),
      "/tmp/dyn-live.yaml");
}

const std::string kGuid = "49b0be2e-d01c-ed11-b83e-000d3a572421";
const std::vector<std::string> kLiveFields = {"jobtitle", "_parentcustomerid_value@OData.Community.Display.V1.FormattedValue",
                                              "address1_city", "/statecode"};

}  // namespace

TEST_CASE("dynamics: get_by_id retrieves one row by key and maps it as a page does") {
  connector_test::LiveStub stub;
  stub.answer(200, testdata("contact_get.json"));
  SourceConfig source = live_source(stub.base());
  connector_test::LiveTestConnector c("dynamics", source);
  CHECK(c->has_get_by_id());
  auto live = c->get_by_id({kGuid, RecordKind::person, &kLiveFields});
  REQUIRE_MESSAGE(live, live.error().message);
  REQUIRE(stub.requests().size() == 1);
  // The list's columns, then the live fields' columns (an annotation selects its column).
  CHECK(stub.requests()[0] ==
        "GET /api/data/v9.2/contacts(" + kGuid + ")?$select=contactid,fullname,firstname,lastname,emailaddress1,"
        "telephone1,_parentcustomerid_value,jobtitle,modifiedon,statecode,merged,_masterid_value,address1_city&");
  REQUIRE(live->record);
  const Record& r = *live->record;
  CHECK(r.external_id == kGuid);
  CHECK(r.kind == RecordKind::person);
  CHECK(r.name == "Zoë Łukasz");
  CHECK(r.company == "Acme GmbH");
  CHECK(r.extra == R"({"jobtitle":"Head of Purchasing"})");
  CHECK(r.web_url == stub.base() + "/main.aspx?etn=contact&id=" + kGuid + "&pagetype=entityrecord");
  CHECK(live->crm == R"({"jobtitle":"Head of Purchasing","_parentcustomerid_value@OData.Community.Display.V1.FormattedValue":"Acme GmbH","address1_city":null,"/statecode":0})");

  // The same row in a list page maps to the same record.
  DynamicsOptions o = parse_dynamics_options(source, nullptr);
  simdjson::dom::parser parser;
  auto page = parse_dynamics_page(R"({"value":[)" + testdata("contact_get.json") + "]}", o.objects[0], o, source.base_url, parser);
  REQUIRE(page);
  REQUIRE(page->page.records.size() == 1);
  connector_test::check_same_record(r, page->page.records[0]);
}

TEST_CASE("dynamics: get_by_id asks for the annotations the mapping reads, and accounts by their set") {
  struct Seen {
    std::mutex mu;
    std::string prefer, path;
  } seen;
  connector_test::LoopbackServer server([&](const ServerRequest& req) {
    std::lock_guard lock(seen.mu);
    seen.prefer = std::string(req.header("prefer"));
    seen.path = req.path;
    return ServerResponse::json(200, R"({"accountid":"a1","name":"Acme GmbH","modifiedon":"2025-11-20T09:14:03Z","statecode":0,"merged":false})");
  });
  SourceConfig source = live_source(server.base());
  connector_test::LiveTestConnector c("dynamics", source);
  auto live = c->get_by_id({"a1", RecordKind::company, nullptr});
  REQUIRE(live);
  REQUIRE(live->record);
  CHECK(live->record->name == "Acme GmbH");
  CHECK(live->crm == "{}");
  std::lock_guard lock(seen.mu);
  CHECK(seen.path == "/api/data/v9.2/accounts(a1)");
  CHECK(seen.prefer == R"(odata.include-annotations="OData.Community.Display.V1.FormattedValue")");
}

TEST_CASE("dynamics: get_by_id says gone for 0x80040217 and for rows the sync tombstones") {
  connector_test::LiveStub stub;
  SourceConfig source = live_source(stub.base());
  connector_test::LiveTestConnector c("dynamics", source);
  stub.answer(404, testdata("error_404_does_not_exist.json"));
  auto gone = c->get_by_id({kGuid, RecordKind::person, &kLiveFields});
  REQUIRE(gone);
  CHECK_FALSE(gone->record);
  CHECK(gone->crm == "{}");

  std::string merged = testdata("contact_get.json");
  merged.replace(merged.find(R"("merged": false, "_masterid_value": null)"), 40,
                 R"("merged": true, "_masterid_value": "5ac1cf3f-d01c-ed11-b83e-000d3a572421")");
  stub.answer(200, merged);
  auto away = c->get_by_id({kGuid, RecordKind::person, nullptr});
  REQUIRE(away);
  CHECK_FALSE(away->record);

  // A deactivated row is a customer unless `inactive: tombstone` says otherwise.
  std::string inactive = testdata("contact_get.json");
  inactive.replace(inactive.find(R"("statecode": 0)"), 14, R"("statecode": 1)");
  stub.answer(200, inactive);
  auto kept = c->get_by_id({kGuid, RecordKind::person, nullptr});
  REQUIRE(kept);
  CHECK(kept->record);
  SourceConfig tomb_source = live_source(stub.base(), "    inactive: tombstone\n");
  connector_test::LiveTestConnector tomb("dynamics", tomb_source);
  auto dropped = tomb->get_by_id({kGuid, RecordKind::person, nullptr});
  REQUIRE(dropped);
  CHECK_FALSE(dropped->record);

  // Another 404 (a wrong base_url, an unknown entity set) is an error, not "gone".
  stub.answer(404, R"({"error":{"code":"0x80060888","message":"Resource not found for the segment 'contacts'."}})");
  auto wrong = c->get_by_id({kGuid, RecordKind::person, nullptr});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().http_status == 404);
}

TEST_CASE("dynamics: get_by_id errors carry the status and Retry-After") {
  connector_test::LiveStub stub;
  SourceConfig source = live_source(stub.base());
  connector_test::LiveTestConnector c("dynamics", source);
  stub.answer(429, testdata("error_429.json"), {{"Retry-After", "12"}});
  auto limited = c->get_by_id({kGuid, RecordKind::person, nullptr});
  REQUIRE_FALSE(limited);
  CHECK(limited.error().kind == ErrorKind::transient);
  CHECK(limited.error().http_status == 429);
  CHECK(limited.error().retry_after_s == 12.0);
  CHECK(limited.error().message.find("0x80072322") != std::string::npos);
  CHECK(stub.requests().size() == 1);

  stub.answer(503, testdata("error_503.json"));
  auto down = c->get_by_id({kGuid, RecordKind::person, nullptr});
  REQUIRE_FALSE(down);
  CHECK(down.error().kind == ErrorKind::transient);
  CHECK(down.error().http_status == 503);

  stub.answer(403, testdata("error_403.json"));
  auto refused = c->get_by_id({kGuid, RecordKind::person, nullptr});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::auth);
  CHECK(refused.error().http_status == 403);

  stub.answer(200, "[1,2]");
  auto odd = c->get_by_id({kGuid, RecordKind::person, nullptr});
  REQUIRE_FALSE(odd);
  CHECK(odd.error().kind == ErrorKind::data);
}
