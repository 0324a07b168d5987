// The Pipedrive connector: options validation with file:line, request building and page
// tokens, parsing of recorded-style v2 pages (connectors/pipedrive/testdata/), error
// mapping (401, 429 burst and spent daily budget), and walks against a loopback stub that
// checks that company names come from one organizations?ids= lookup per page (never one
// request per person) and that a renamed organization reaches its persons.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "api/http_server.h"
#include "config/config.h"
#include "connectors/pipedrive/pipedrive_options.h"
#include "connectors/pipedrive/pipedrive_page.h"
#include "connectors/pipedrive/pipedrive_request.h"
#include "connectors/record_fields.h"
#include "connectors/registry.h"
#include "core/json_writer.h"
#include "http/http_client.h"
#include "sync/record_hash.h"
#include "tests/unit/connector_test_support.h"

using namespace crm;

namespace {

std::string testdata(const std::string& name) { return connector_test::testdata("pipedrive", name); }

const std::string kAuth = "    auth: { type: api_key, in: header, name: x-api-token, value: pd-secret-token-42 }\n";

std::string yaml_with(const std::string& body, const std::string& base = "https://acme.pipedrive.com") {
  return connector_test::one_source_yaml("pd", "pipedrive", base, body);  // body from line 6
}

std::string errors_of(const std::string& yaml) { return connector_test::config_errors(yaml, "/etc/crm-index/p.yaml"); }

SourceConfig load_source(const std::string& yaml) {
  return connector_test::load_one_source(yaml, "/tmp/pd-test.yaml");
}

PipedriveOptions options_for(const std::string& body) {
  return parse_pipedrive_options(load_source(yaml_with(body)), nullptr);
}

const PipedriveObject kPersons{PipedriveObjectKind::persons, "persons", RecordKind::person, "person"};
const PipedriveObject kOrgs{PipedriveObjectKind::organizations, "organizations", RecordKind::company, "organization"};

}  // namespace

TEST_CASE("pipedrive: a minimal block loads with persons, organizations and the web app's URLs") {
  CHECK(errors_of(yaml_with(kAuth)) == "");
  auto o = options_for(kAuth);
  REQUIRE(o.objects.size() == 2);
  CHECK(o.objects[0].name == "persons");
  CHECK(o.objects[0].kind == RecordKind::person);
  CHECK(o.objects[1].name == "organizations");
  CHECK(o.objects[1].kind == RecordKind::company);
  CHECK(o.page_size == 200);  // the defaults' page_size, under the 500 cap
  CHECK(o.follow_org_renames);
  const std::string_view base = "https://acme.pipedrive.com";
  CHECK(expand_web_url(o.web_url, "42", {{"{base_url}", base}, {"{object}", o.objects[0].web_segment}}) ==
        "https://acme.pipedrive.com/person/42");
  CHECK(expand_web_url(o.web_url, "7", {{"{base_url}", base}, {"{object}", o.objects[1].web_segment}}) ==
        "https://acme.pipedrive.com/organization/7");
  CHECK(options_for(kAuth + "    page_size: 900\n").page_size == 500);
  // OAuth (and a bearer token obtained elsewhere) are accepted too.
  CHECK(errors_of(yaml_with("    auth: { type: bearer, token: abc }\n")) == "");
}

TEST_CASE("pipedrive config errors carry their line and say what is wrong") {
  struct Case { std::string body; int line; std::string message; };
  const std::vector<Case> cases = {
      {kAuth + "    objects: [persons, deals]\n", 7, "unknown Pipedrive object 'deals' (known: persons, organizations)"},
      {kAuth + "    objects: [persons, persons]\n", 7, "'persons' is listed twice"},
      {"    auth: { type: api_key, in: query, name: api_token, value: x }\n", 6, "goes in the header x-api-token"},
      {"    auth: { type: basic, username: a, password: b }\n", 6, "auth.type 'basic' does not work with Pipedrive"},
      {"", 3, "type pipedrive needs auth"},
      {kAuth + "    fields: { email: primary_email }\n", 7, "'email' cannot be mapped here"},
      {kAuth + "    fields: { national_id: 'not a key' }\n", 7, "is not a Pipedrive field key"},
      {kAuth + "    web_url: https://acme.pipedrive.com/person\n", 7, "web_url: the template needs {id}"},
      {kAuth + "    follow_org_renames: maybe\n", 7, "follow_org_renames: expected true or false"},
  };
  for (const auto& c : cases) {
    std::string errors = errors_of(yaml_with(c.body));
    CAPTURE(c.body);
    CAPTURE(errors);
    CHECK(errors.find(fmt::format("/etc/crm-index/p.yaml:{}:", c.line)) != std::string::npos);
    CHECK(errors.find(c.message) != std::string::npos);
  }
  std::string e = errors_of(yaml_with(kAuth, "https://acme.pipedrive.com/api/v2"));
  CHECK(e.find("give the company domain") != std::string::npos);
  CHECK(e.find("pd-secret-token-42") == std::string::npos);
}

TEST_CASE("pipedrive requests: v2 lists in (update_time, id) order, inclusive UTC updated_since, cursor") {
  CHECK(pipedrive_list_url("https://acme.pipedrive.com", kPersons, 200, std::nullopt, "") ==
        "https://acme.pipedrive.com/api/v2/persons?limit=200&sort_by=update_time&sort_direction=asc");
  CHECK(pipedrive_list_url("https://acme.pipedrive.com", kOrgs, 900, parse_iso8601("2025-11-20T10:14:03.750+01:00"),
                           "eyJ+/=") ==
        "https://acme.pipedrive.com/api/v2/organizations?limit=500&sort_by=update_time&sort_direction=asc"
        "&updated_since=2025-11-20T09%3A14%3A03Z&cursor=eyJ%2B%2F%3D");
  CHECK(pipedrive_orgs_by_id_url("https://acme.pipedrive.com", {3, 812, 9000}) ==
        "https://acme.pipedrive.com/api/v2/organizations?ids=3%2C812%2C9000&limit=100");
  CHECK(pipedrive_org_persons_url("https://x", 812, 100, "c1") ==
        "https://x/api/v2/persons?org_id=812&limit=100&sort_by=update_time&sort_direction=asc&cursor=c1");
}

TEST_CASE("pipedrive plan and tokens: renamed organizations are followed on incremental runs only") {
  auto both = options_for(kAuth);
  auto full = pipedrive_plan(both, SyncMode::full);
  REQUIRE(full.size() == 2);
  CHECK_FALSE(full[1].follow_renames);
  auto inc = pipedrive_plan(both, SyncMode::incremental);
  REQUIRE(inc.size() == 2);
  CHECK(inc[1].follow_renames);
  CHECK(inc[1].emit);
  auto persons_only = pipedrive_plan(options_for(kAuth + "    objects: [persons]\n"), SyncMode::incremental);
  REQUIRE(persons_only.size() == 2);  // organizations are listed, without records
  CHECK_FALSE(persons_only[1].emit);
  CHECK(persons_only[1].follow_renames);
  CHECK(pipedrive_plan(options_for(kAuth + "    objects: [persons]\n    follow_org_renames: false\n"),
                       SyncMode::incremental).size() == 1);

  PipedriveToken t;
  t.step = 1;
  t.phase = PipedrivePhase::org_persons;
  t.cursor = "eyJmaWVsZCI6InVwZGF0ZV90aW1lIn0|x";
  t.person_cursor = "pc,1:2";
  t.pending = {{812, "Café \"Zur Post\" KG"}, {813, "A|B,C:D"}};
  auto back = decode_pipedrive_token(encode_pipedrive_token(t));
  REQUIRE(back);
  CHECK(back->step == 1);
  CHECK(back->phase == PipedrivePhase::org_persons);
  CHECK(back->cursor == t.cursor);
  CHECK(back->person_cursor == t.person_cursor);
  CHECK(back->pending == t.pending);
  CHECK_FALSE(decode_pipedrive_token("obj:1"));
  CHECK_FALSE(decode_pipedrive_token("pd1|0|orgp|||0|"));  // org_persons without organizations
}

TEST_CASE("pipedrive page: persons with primary email and phone, org ids, UTC times, skips and tombstones") {
  auto o = options_for(kAuth + "    fields: { national_id: 9f6c1d2b3a4e5f60718293a4b5c6d7e8f9a0b1c2 }\n"
                               "    extra_fields: [a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e, owner_id]\n");
  simdjson::dom::parser parser;
  auto p = parse_pipedrive_page(testdata("persons_page.json"), kPersons, o, "https://acme.pipedrive.com", parser);
  REQUIRE_MESSAGE(p, p.error().message);
  CHECK(p->items == 4);
  CHECK(p->page.skipped == 1);  // "2025-11-20 09:14:03+" is no timestamp
  REQUIRE(p->page.records.size() == 3);
  REQUIRE(p->org_ids == std::vector<int64_t>{812, 0, 813});
  const Record& zoe = p->page.records[0];
  CHECK(zoe.external_id == "4121");
  CHECK(zoe.kind == RecordKind::person);
  CHECK(zoe.name == "Zoë Łukasz");
  CHECK(zoe.given_name == "Zoë");
  CHECK(zoe.email == "zoe@example.com");  // the primary one, not the first
  CHECK(zoe.phone == "+49 30 1234567");
  CHECK(zoe.company == "");  // v2 carries only org_id: the connector looks the name up
  CHECK(zoe.national_id == "DE123456789");
  CHECK(zoe.extra == R"({"a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e":"1200","owner_id":"13"})");
  CHECK(zoe.web_url == "https://acme.pipedrive.com/person/4121");
  CHECK(format_iso8601_seconds(zoe.remote_updated_at) == "2025-11-20T09:14:03Z");
  CHECK_FALSE(zoe.deleted);
  const Record& jose = p->page.records[1];
  CHECK(jose.name == "José García");  // name null: first + last
  CHECK(jose.email == "");
  CHECK(jose.phone == "030 1234567");  // no primary: the first
  const Record& soren = p->page.records[2];
  CHECK(soren.deleted);
  // A tombstone's time does not move the watermark.
  REQUIRE(p->page.high_water);
  CHECK(format_iso8601_seconds(*p->page.high_water) == "2025-11-20T09:14:03Z");
  REQUIRE(p->next_cursor);
  CHECK(*p->next_cursor == "eyJmaWVsZCI6InVwZGF0ZV90aW1lIiwiaWQiOjQxMjR9");
}

TEST_CASE("pipedrive page: organizations are companies; v1 naive times are UTC; v1 org objects carry the name") {
  auto o = options_for(kAuth);
  simdjson::dom::parser parser;
  auto p = parse_pipedrive_page(testdata("organizations_page.json"), kOrgs, o, "https://acme.pipedrive.com", parser);
  REQUIRE_MESSAGE(p, p.error().message);
  REQUIRE(p->page.records.size() == 2);
  CHECK(p->page.records[1].name == "Café \"Zur Post\" KG");
  CHECK(p->page.records[1].kind == RecordKind::company);
  CHECK(p->page.records[1].web_url == "https://acme.pipedrive.com/organization/813");
  CHECK_FALSE(p->next_cursor);

  auto v1 = parse_pipedrive_page(testdata("v1_persons_page.json"), kPersons, o, "https://x", parser);
  REQUIRE_MESSAGE(v1, v1.error().message);
  REQUIRE(v1->page.records.size() == 1);
  CHECK(v1->page.records[0].company == "Acme Ltd");
  CHECK(v1->org_ids[0] == 55);
  CHECK(v1->page.records[0].email == "anna@acme.example");
  CHECK(format_iso8601_seconds(v1->page.records[0].remote_updated_at) == "2025-11-20T09:14:03Z");

  CHECK(parse_pipedrive_time("2025-11-20T09:14:03+05:30") == parse_iso8601("2025-11-20T03:44:03Z"));
  CHECK_FALSE(parse_pipedrive_time("2025-11-20T09:14:03"));  // no zone, not v1's form: refused

  auto bad = parse_pipedrive_page("{\"success\":true", kPersons, o, "https://x", parser);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::transient);
  auto no_data = parse_pipedrive_page("{\"success\":true}", kPersons, o, "https://x", parser);
  REQUIRE_FALSE(no_data);
  CHECK(no_data.error().kind == ErrorKind::data);
}

TEST_CASE("pipedrive errors: kinds, Pipedrive's message, the spent daily budget is final") {
  HttpResponse r;
  r.status = 401;
  r.body = testdata("error_401.json");
  Error e = pipedrive_error("source 'pd': pipedrive persons list", r);
  CHECK(e.kind == ErrorKind::auth);
  CHECK(e.message == "source 'pd': pipedrive persons list: HTTP 401: unauthorized access");

  r.status = 400;
  r.body = testdata("error_400.json");
  e = pipedrive_error("x", r);
  CHECK(e.kind == ErrorKind::config);
  CHECK(e.message.find("must be less than or equal to 500") != std::string::npos);

  r.status = 403;
  r.body = R"({"success":false,"error":"You do not have permissions","errorCode":403})";
  CHECK(pipedrive_error("x", r).kind == ErrorKind::auth);

  r.status = 429;
  r.body = testdata("error_429.json");
  r.headers = {{"x-ratelimit-limit", "80"}, {"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "2"}};
  CHECK_FALSE(pipedrive_budget_exhausted(r));  // a burst window: retrying helps
  e = pipedrive_error("x", r);
  CHECK(e.kind == ErrorKind::transient);
  CHECK(e.retry_after_s == 2.0);
  CHECK(e.message.find("Request over limit (x-ratelimit-reset 2 s)") != std::string::npos);

  r.headers = {{"x-ratelimit-limit", "80"}, {"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "41000"}};
  CHECK(pipedrive_budget_exhausted(r));
  e = pipedrive_error("x", r);
  CHECK(e.kind == ErrorKind::transient);
  CHECK(e.message.find("daily API token budget is spent; it resets in 41000 s") != std::string::npos);

  r.status = 503;
  r.headers.clear();
  r.body = "<html>Service Unavailable</html>";
  CHECK(pipedrive_error("x", r).kind == ErrorKind::transient);
}

namespace {

// A tiny stateful Pipedrive v2: persons with org ids, organizations with names, keyset
// pages of `limit` items by id (enough for the connector's walk), and a request log.
struct PipedriveStub {
  struct Person { int64_t id; std::string name; int64_t org; std::string updated; };
  std::mutex mu;
  std::vector<std::string> requests;  // "path?query | x-api-token"
  std::vector<Person> persons;
  std::map<int64_t, std::pair<std::string, std::string>> orgs;  // id → (name, update_time)
  connector_test::LoopbackServer server{[this](const ServerRequest& req) { return handle(req); }};

  std::string base() { return server.base(); }
  size_t count(std::string_view needle) {
    std::lock_guard lock(mu);
    size_t n = 0;
    for (auto& r : requests) n += r.find(needle) != std::string::npos;
    return n;
  }

  ServerResponse handle(const ServerRequest& req) {
    std::lock_guard lock(mu);
    const std::string q = connector_test::query_text(req);
    requests.push_back(fmt::format("{}?{} | {}", req.path, q, req.header("x-api-token")));
    if (req.header("x-api-token") != "pd-secret-token-42") return ServerResponse::json(401, testdata("error_401.json"));
    const std::string since(req.param("updated_since").value_or(""));
    int64_t after = 0;
    if (auto c = req.param("cursor")) after = std::stoll(std::string(*c));
    const size_t page = std::stoul(std::string(req.param("limit").value_or("100")));
    std::string body;
    JsonWriter w(body);
    w.begin_object().field("success", true).key("data").begin_array();
    int64_t last = 0;
    size_t n = 0;
    bool more = false;
    if (req.path == "/api/v2/persons") {
      for (const auto& p : persons) {
        if (p.id <= after || p.updated < since) continue;
        if (auto org = req.param("org_id"); org && std::to_string(p.org) != *org) continue;
        if (n == page) { more = true; break; }
        w.begin_object().field("id", p.id).field("name", p.name).key("org_id");
        if (p.org) w.value(p.org); else w.null();
        w.field("update_time", p.updated).key("emails").begin_array().end_array().end_object();
        last = p.id;
        ++n;
      }
    } else if (req.path == "/api/v2/organizations") {
      std::string ids(req.param("ids").value_or(""));
      for (const auto& [id, org] : orgs) {
        if (!ids.empty() && ("," + ids + ",").find("," + std::to_string(id) + ",") == std::string::npos) continue;
        if (id <= after || org.second < since) continue;
        if (n == page && ids.empty()) { more = true; break; }
        w.begin_object().field("id", id).field("name", org.first).field("update_time", org.second).end_object();
        last = id;
        ++n;
      }
    }
    w.end_array().key("additional_data").begin_object().key("next_cursor");
    if (more) w.value(std::to_string(last)); else w.null();
    w.end_object().end_object();
    return ServerResponse::json(200, std::move(body));
  }
};

std::vector<Record> walk(PipedriveStub& stub, const std::string& extra, Cursor cursor, int* pages_out = nullptr) {
  auto src = load_source(yaml_with(kAuth + extra, stub.base()));
  connector_test::TestConnector connector("pipedrive", src);
  auto read = connector_test::walk_pages(*connector, cursor, 50);
  if (pages_out) *pages_out = read.pages;
  return read.records;
}

const Record* find(const std::vector<Record>& v, const std::string& id, RecordKind kind) {
  for (const auto& r : v)
    if (r.external_id == id && r.kind == kind) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("pipedrive connector: company names from one ids lookup per persons page, never per person") {
  PipedriveStub stub;
  stub.orgs = {{10, {"Acme Ltd", "2025-01-01T00:00:00Z"}}, {20, {"Globex", "2025-01-01T00:00:00Z"}}};
  stub.persons = {{1, "Ann", 10, "2025-01-01T00:00:00Z"}, {2, "Bob", 10, "2025-01-01T00:00:00Z"},
                  {3, "Cy", 20, "2025-01-01T00:00:00Z"},  {4, "Di", 0, "2025-01-01T00:00:00Z"},
                  {5, "Ed", 99, "2025-01-01T00:00:00Z"}};  // 99: deleted or invisible organization
  auto records = walk(stub, "    page_size: 2\n", Cursor{});
  REQUIRE(records.size() == 7);
  CHECK(find(records, "1", RecordKind::person)->company == "Acme Ltd");
  CHECK(find(records, "2", RecordKind::person)->company == "Acme Ltd");
  CHECK(find(records, "3", RecordKind::person)->company == "Globex");
  CHECK(find(records, "4", RecordKind::person)->company == "");
  CHECK(find(records, "5", RecordKind::person)->company == "");
  CHECK(find(records, "20", RecordKind::company)->name == "Globex");
  // Three persons pages, three lookups (one per page with organizations), one organizations page.
  CHECK(stub.count("/api/v2/persons?") == 3);
  CHECK(stub.count("/api/v2/organizations?ids=") == 3);
  CHECK(stub.count("ids=10&") == 1);  // page 1: persons 1 and 2 share organization 10: asked once
  CHECK(stub.count("/api/v2/organizations?limit=") == 1);
  CHECK(stub.count("org_id=") == 0);  // a full run needs no rename follow-up
  CHECK(stub.count("| pd-secret-token-42") == stub.requests.size());
}

TEST_CASE("pipedrive connector: an organization renamed since the watermark reaches its persons") {
  PipedriveStub stub;
  stub.orgs = {{10, {"Acme Ltd", "2025-01-01T00:00:00Z"}}, {20, {"Globex", "2025-01-01T00:00:00Z"}}};
  stub.persons = {{1, "Ann", 10, "2025-01-01T00:00:00Z"}, {2, "Bob", 20, "2025-01-01T00:00:00Z"},
                  {3, "Cy", 10, "2025-01-01T00:00:00Z"}};
  // Renaming an organization moves its update_time, not its persons'.
  stub.orgs[10] = {"Acme Group", "2025-06-01T00:00:00Z"};
  Cursor inc;
  inc.mode = SyncMode::incremental;
  inc.since = parse_iso8601("2025-05-01T00:00:00Z");

  SUBCASE("persons and organizations configured") {
    int pages = 0;
    auto records = walk(stub, "    page_size: 1\n", inc, &pages);
    // persons list (empty), organizations page (Acme), its persons (two pages of one),
    // then the end of the organizations list.
    REQUIRE(records.size() == 3);
    CHECK(find(records, "10", RecordKind::company)->name == "Acme Group");
    CHECK(find(records, "1", RecordKind::person)->company == "Acme Group");
    CHECK(find(records, "3", RecordKind::person)->company == "Acme Group");
    CHECK(stub.count("org_id=10&") == 2);
    CHECK(stub.count("org_id=20&") == 0);
    CHECK(stub.count("updated_since=2025-05-01T00:00:00Z") == 2);
  }
  SUBCASE("persons only: organizations are listed without records") {
    auto records = walk(stub, "    objects: [persons]\n", inc);
    REQUIRE(records.size() == 2);
    for (const auto& r : records) CHECK(r.kind == RecordKind::person);
    CHECK(find(records, "3", RecordKind::person)->company == "Acme Group");
  }
  SUBCASE("follow_org_renames: false reads only what changed itself") {
    auto records = walk(stub, "    follow_org_renames: false\n", inc);
    REQUIRE(records.size() == 1);
    CHECK(records[0].kind == RecordKind::company);
    CHECK(stub.count("org_id=") == 0);
  }
}

TEST_CASE("pipedrive connector: a refused token gives Pipedrive's message and no secret") {
  PipedriveStub stub;
  auto src = load_source(yaml_with("    auth: { type: api_key, in: header, name: x-api-token, value: wrong-token-77 }\n",
                                   stub.base()));
  auto page = connector_test::TestConnector("pipedrive", src)->next_page(Cursor{});
  REQUIRE_FALSE(page);
  CHECK(page.error().kind == ErrorKind::auth);
  CHECK(page.error().message == "pipedrive persons list: HTTP 401: unauthorized access");
}

namespace {

// Pipedrive v2's get-by-id routes with recorded-style bodies, the list and ids lookup the
// sync would make for the same person, and a log of the requests.
struct PipedriveOneStub {
  std::mutex mu;
  std::vector<std::string> requests;
  connector_test::LoopbackServer server{[this](const ServerRequest& req) {
    std::lock_guard lock(mu);
    requests.push_back(req.path + "?" + connector_test::query_text(req));
    if (req.path == "/api/v2/persons/4121") return ServerResponse::json(200, testdata("person_one.json"));
    if (req.path == "/api/v2/persons/4124") return ServerResponse::json(200, testdata("person_deleted.json"));
    if (req.path == "/api/v2/persons" || req.path == "/api/v2/organizations") {
      if (req.param("ids")) return ServerResponse::json(200, testdata("organizations_page.json"));
      return ServerResponse::json(200, testdata("persons_page.json"));
    }
    if (req.path == "/api/v2/organizations/812") {
      std::string page = testdata("organizations_page.json");
      size_t from = page.find("{\"id\": 812"), to = page.find("},\n  {\"id\": 813");
      return ServerResponse::json(200, "{\"success\":true,\"data\":" + page.substr(from, to + 1 - from) + "}");
    }
    if (req.path == "/api/v2/persons/7") {
      auto r = ServerResponse::json(429, testdata("error_429.json"));
      r.headers = {{"x-ratelimit-limit", "80"}, {"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "2"}};
      return r;
    }
    if (req.path == "/api/v2/persons/8") return ServerResponse::json(502, "<html>502 Bad Gateway</html>");
    if (req.path == "/api/v2/persons/9") return ServerResponse::json(401, testdata("error_401.json"));
    return ServerResponse::json(404, testdata("error_404.json"));
  }};
};

LiveRequest pd_live(const std::string& id, RecordKind kind, const std::vector<std::string>* fields) {
  LiveRequest req;
  req.external_id = id;
  req.kind = kind;
  req.fields = fields;
  return req;
}

const std::string kPdExtra = "    fields: { national_id: 9f6c1d2b3a4e5f60718293a4b5c6d7e8f9a0b1c2 }\n"
                             "    extra_fields: [a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e, owner_id]\n"
                             "    live: { fields: [label_ids, /custom_fields/9f6c1d2b3a4e5f60718293a4b5c6d7e8f9a0b1c2, job_title] }\n";

}  // namespace

TEST_CASE("pipedrive get_by_id: GET /api/v2/persons/{id}, company from the ids lookup, as the list maps it") {
  PipedriveOneStub stub;
  const SourceConfig source = load_source(yaml_with(kAuth + kPdExtra, stub.server.base()));
  connector_test::TestConnector c("pipedrive", source);
  REQUIRE(c->has_get_by_id());
  auto live = c->get_by_id(pd_live("4121", RecordKind::person, &source.live.fields));
  REQUIRE_MESSAGE(live, live.error().message);
  REQUIRE(stub.requests.size() == 2);
  CHECK(stub.requests[0] == "/api/v2/persons/4121?");
  CHECK(stub.requests[1] == "/api/v2/organizations?ids=812&limit=100&");
  REQUIRE(live->record);
  const Record& zoe = *live->record;
  CHECK(zoe.external_id == "4121");
  CHECK(zoe.email == "zoe@example.com");
  CHECK(zoe.company == "Müller & Söhne GmbH");
  CHECK(zoe.national_id == "DE123456789");
  CHECK(zoe.web_url == stub.server.base() + "/person/4121");
  CHECK(live->crm == R"({"label_ids":[7],"/custom_fields/9f6c1d2b3a4e5f60718293a4b5c6d7e8f9a0b1c2":"DE123456789","job_title":null})");

  // The same person on the sync's first persons page: the same Record, the same hash.
  auto page = c->next_page(Cursor{});
  REQUIRE_MESSAGE(page, page.error().message);
  REQUIRE_FALSE(page->records.empty());
  const Record& listed = page->records[0];
  REQUIRE(listed.external_id == "4121");
  CHECK(listed.company == zoe.company);
  CHECK(listed.extra == zoe.extra);
  CHECK(hash_record(listed) == hash_record(zoe));

  auto org = c->get_by_id(pd_live("812", RecordKind::company, nullptr));
  REQUIRE_MESSAGE(org, org.error().message);
  CHECK(stub.requests.back() == "/api/v2/organizations/812?");
  REQUIRE(org->record);
  CHECK(org->record->kind == RecordKind::company);
  CHECK(org->record->name == "Müller & Söhne GmbH");
  CHECK(org->crm == "{}");
}

TEST_CASE("pipedrive get_by_id: 404 and is_deleted are gone; 401, 429 and 5xx keep their status") {
  PipedriveOneStub stub;
  const SourceConfig source = load_source(yaml_with(kAuth, stub.server.base()));
  connector_test::TestConnector c("pipedrive", source);
  for (const char* id : {"999", "4124", "not-a-number"}) {
    CAPTURE(id);
    auto live = c->get_by_id(pd_live(id, RecordKind::person, nullptr));
    REQUIRE_MESSAGE(live, live.error().message);
    CHECK_FALSE(live->record);
  }
  CHECK(stub.requests.size() == 2);  // a non-numeric id is not asked for
  auto busy = c->get_by_id(pd_live("7", RecordKind::person, nullptr));
  REQUIRE_FALSE(busy);
  CHECK(busy.error().kind == ErrorKind::transient);
  CHECK(busy.error().http_status == 429);
  CHECK(busy.error().retry_after_s == 2.0);
  auto down = c->get_by_id(pd_live("8", RecordKind::person, nullptr));
  REQUIRE_FALSE(down);
  CHECK(down.error().http_status == 502);
  auto refused = c->get_by_id(pd_live("9", RecordKind::person, nullptr));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::auth);
  CHECK(refused.error().http_status == 401);
  CHECK(refused.error().message.find("unauthorized access") != std::string::npos);
}
