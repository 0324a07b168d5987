// The HubSpot connector: parsing the recorded pages in connectors/hubspot/testdata, the
// page token, the requests it builds, error mapping, `check` errors with their lines, and
// the search paging against a small server on 127.0.0.1.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "api/http_server.h"
#include "config/config.h"
#include "connectors/connector_config.h"
#include "connectors/hubspot/hubspot_errors.h"
#include "connectors/hubspot/hubspot_options.h"
#include "connectors/hubspot/hubspot_page.h"
#include "connectors/hubspot/hubspot_page_token.h"
#include "connectors/hubspot/hubspot_request.h"
#include "connectors/registry.h"
#include "http/http_client.h"
#include "http/rate_limiter.h"
#include "http/sleeper.h"
#include "tests/unit/connector_test_support.h"
#include "tests/unit/live_read_stub.h"

using namespace crm;

namespace {

std::string testdata(const std::string& name) { return connector_test::testdata("hubspot", name); }

const std::string kHead =
    "database: /tmp/x.db\n"
    "sources:\n"
    "  - name: hs\n"                       // 3
    "    type: hubspot\n"                  // 4
    "    base_url: http://127.0.0.1:9\n";  // 5

std::string errors_of(const std::string& rest) {
  return connector_test::config_errors(kHead + rest, "/etc/crm-index/t.yaml",
                                       [](const std::string&) { return std::optional<std::string>("x"); });
}

HubspotOptions options_for(const std::string& rest) {
  auto loaded = load_config_text(kHead + rest, "/etc/crm-index/t.yaml",
                                 [](const std::string&) { return std::optional<std::string>("x"); });
  REQUIRE(loaded.config);
  return parse_hubspot_options(loaded.config->sources.at(0), nullptr);
}

const std::string kAuth = "    auth: { type: bearer, token: pat-1 }\n";

}  // namespace

TEST_CASE("hubspot: the search page maps contacts and turns merged ids into tombstones") {
  HubspotOptions o = options_for(kAuth + "    portal_id: \"42\"\n");
  REQUIRE(o.objects.size() == 2);
  const HubspotObject& contacts = o.objects[0];
  CHECK(contacts.modified_property == "lastmodifieddate");
  CHECK(o.objects[1].modified_property == "hs_lastmodifieddate");
  simdjson::dom::parser parser;
  Page page;
  auto info = map_hubspot_answer(parser, testdata("contacts_search_page1.json"), contacts, o, false, page);
  REQUIRE(info);
  CHECK(info->results == 2);
  CHECK(info->next_after == "2");
  CHECK(info->total == 3);
  CHECK(info->last_id == 52);
  REQUIRE(page.records.size() == 4);  // 51, its two merged ids, 52
  const Record& zoe = page.records[0];
  CHECK(zoe.external_id == "51");
  CHECK(zoe.kind == RecordKind::person);
  CHECK(zoe.name == "Zoë Łukasz");
  CHECK(zoe.email == "zoe@example.com");
  CHECK(zoe.company == "Acme GmbH");
  CHECK(format_iso8601(zoe.remote_updated_at) == "2025-11-20T09:14:03.512Z");
  CHECK(zoe.web_url == "https://app.hubspot.com/contacts/42/record/0-1/51");
  CHECK_FALSE(zoe.deleted);
  CHECK(page.records[1].external_id == "4051");
  CHECK(page.records[1].deleted);
  CHECK(page.records[1].merged_into == "51");
  CHECK(page.records[2].external_id == "7732");
  CHECK(page.records[2].merged_into == "51");
  const Record& jose = page.records[3];
  CHECK(jose.name == "José");
  CHECK(jose.email == "");
  CHECK(to_ms(jose.remote_updated_at) == 1763630100000);  // epoch milliseconds as a string
  REQUIRE(page.high_water);
  CHECK(to_ms(*page.high_water) == 1763630100000);
  CHECK(info->min_modified_ms == to_ms(zoe.remote_updated_at));
  CHECK(info->max_modified_ms == 1763630100000);
}

TEST_CASE("hubspot: companies and archived pages") {
  HubspotOptions o = options_for(kAuth);
  simdjson::dom::parser parser;
  Page page;
  auto info = map_hubspot_answer(parser, testdata("companies_list_page.json"), o.objects[1], o, false, page);
  REQUIRE(info);
  REQUIRE(page.records.size() == 1);
  CHECK(page.records[0].kind == RecordKind::company);
  CHECK(page.records[0].name == "Müller & Söhne GmbH");
  CHECK(page.records[0].email == "");
  CHECK(page.records[0].web_url == "");  // no portal_id, no web_url: no deep link
  CHECK(info->next_after == "MDoxMA");

  Page archived;
  info = map_hubspot_answer(parser, testdata("contacts_archived_page.json"), o.objects[0], o, true, archived);
  REQUIRE(info);
  CHECK_FALSE(info->next_after);
  REQUIRE(archived.records.size() == 1);
  CHECK(archived.records[0].deleted);
  CHECK(archived.records[0].merged_into == "");
  CHECK_FALSE(archived.high_water);

  Page bad;
  CHECK(map_hubspot_answer(parser, "{\"results\":", o.objects[0], o, false, bad).error().kind == ErrorKind::transient);
  CHECK(map_hubspot_answer(parser, "{\"items\":[]}", o.objects[0], o, false, bad).error().kind == ErrorKind::data);
}

TEST_CASE("hubspot: page tokens round-trip and refuse garbage") {
  HubspotPageToken t;
  t.object = 1;
  t.phase = HubspotPhase::instant;
  t.t_ms = 1735689600000;
  t.last_id = 977;
  auto back = HubspotPageToken::decode(t.encode());
  REQUIRE(back);
  CHECK(*back == t);
  t.phase = HubspotPhase::list;
  t.after = "MDoxMA";
  CHECK(*HubspotPageToken::decode(t.encode()) == t);
  for (const char* bad : {"", "v1", "v2|0|list||0|0|0", "v1|x|list||0|0|0", "v1|0|sideways||0|0|0", "v1|0|list||0|0|2"})
    CHECK_FALSE(HubspotPageToken::decode(bad));
}

TEST_CASE("hubspot: requests") {
  HubspotOptions o = options_for(kAuth + "    extra_fields: [lifecyclestage]\n    page_size: 500\n");
  CHECK(o.list_page_size == 100);
  CHECK(o.search_page_size == 200);
  const HubspotObject& contacts = o.objects[0];
  CHECK(hubspot_list_url("http://h", o, contacts, false, "") ==
        "http://h/crm/v3/objects/contacts?limit=100&properties=firstname%2Clastname%2Cemail%2Cphone%2Ccompany%2C"
        "country%2Clastmodifieddate%2Chs_merged_object_ids%2Clifecyclestage&archived=false");
  CHECK(hubspot_list_url("http://h", o, o.objects[1], true, "MDoxMA").ends_with("&archived=true&after=MDoxMA"));
  CHECK(hubspot_search_url("http://h", o, o.objects[1]) == "http://h/crm/v3/objects/companies/search");

  HubspotPageToken t;
  t.phase = HubspotPhase::search;
  t.t_ms = 1735689600000;
  std::string body = hubspot_search_body(o, o.objects[1], t);
  CHECK(body.find(R"({"propertyName":"hs_lastmodifieddate","operator":"GTE","value":"1735689600000"})") != std::string::npos);
  CHECK(body.find(R"("sorts":[{"propertyName":"hs_lastmodifieddate","direction":"ASCENDING"}])") != std::string::npos);
  CHECK(body.find(R"("limit":200,"after":"0")") != std::string::npos);
  t.strict = true;
  CHECK(hubspot_search_body(o, contacts, t).find(R"("operator":"GT","value":"1735689600000")") != std::string::npos);
  t.phase = HubspotPhase::instant;
  t.last_id = 977;
  body = hubspot_search_body(o, contacts, t);
  CHECK(body.find(R"({"propertyName":"lastmodifieddate","operator":"EQ","value":"1735689600000"},{"propertyName":"hs_object_id","operator":"GT","value":"977"})") != std::string::npos);
  CHECK(body.find(R"("sorts":[{"propertyName":"hs_object_id","direction":"ASCENDING"}])") != std::string::npos);
}

TEST_CASE("hubspot: error answers map to kinds with the CRM's message") {
  HttpResponse r;
  r.status = 401;
  r.body = testdata("error_401.json");
  Error e = hubspot_error("hubspot contacts: list", r);
  CHECK(e.kind == ErrorKind::auth);
  CHECK(e.message.find("Authentication credentials not found.") != std::string::npos);
  CHECK(e.message.find("INVALID_AUTHENTICATION") != std::string::npos);
  CHECK(e.message.find("8d1f6c9e-0c55-4c6e-bb0d-5d1b2f7a9c30") != std::string::npos);
  r.status = 429;
  r.body = testdata("error_429_daily.json");
  e = hubspot_error("x", r);
  CHECK(e.kind == ErrorKind::transient);
  CHECK(e.message.find("daily API limit") != std::string::npos);
  CHECK(e.message.find("policy DAILY") != std::string::npos);
  r.body = R"({"status":"error","message":"You have reached your secondly limit.","policyName":"SECONDLY"})";
  e = hubspot_error("x", r);
  CHECK(e.kind == ErrorKind::transient);
  CHECK(e.message.find("daily") == std::string::npos);
  r.status = 400;
  r.body = testdata("error_400_cap.json");
  CHECK(hubspot_error("x", r).kind == ErrorKind::config);
  r.status = 403;
  r.body = R"({"status":"error","message":"This app hasn't been granted all required scopes","category":"MISSING_SCOPES"})";
  e = hubspot_error("x", r);
  CHECK(e.kind == ErrorKind::config);
  CHECK(e.message.find("crm.objects.contacts.read") != std::string::npos);
  r.status = 502;
  r.body = "<html>bad gateway</html>";
  CHECK(hubspot_error("x", r).kind == ErrorKind::transient);
}

TEST_CASE("hubspot: a valid block loads; defaults fill objects") {
  CHECK(errors_of(kAuth) == "");
  CHECK(errors_of("    auth: { type: oauth2, grant: refresh_token, token_url: http://127.0.0.1:9/oauth/v1/token,"
                  " client_id: c, client_secret: s, refresh_token: r }\n    objects: [companies]\n") == "");
  HubspotOptions o = options_for(kAuth + "    objects: [companies]\n    fields: { national_id: vat_number }\n");
  REQUIRE(o.objects.size() == 1);
  CHECK(o.objects[0].name == "companies");
  CHECK(std::find(o.objects[0].properties.begin(), o.objects[0].properties.end(), "vat_number") != o.objects[0].properties.end());
}

TEST_CASE("hubspot: config errors carry their line and say what is wrong") {
  struct Case { std::string rest; int line; std::string message; };
  const Case cases[] = {
      {"", 3, "hubspot needs auth"},
      {"    auth: { type: basic, username: u, password: p }\n", 6, "does not work with HubSpot"},
      {kAuth + "    objects: [contacts, deals]\n", 7, "unknown HubSpot object 'deals'"},
      {kAuth + "    portal_id: acme\n", 7, "portal_id: 'acme'"},
      {kAuth + "    path_prefix: crm/v3\n", 7, "must start with '/'"},
      {kAuth + "    archived: maybe\n", 7, "archived: expected true or false"},
      {kAuth + "    fields: { shoe_size: x }\n", 7, "unknown record field 'shoe_size'"},
      {kAuth + "    fields:\n      email: \"e mail\"\n", 8, "not a HubSpot property name"},
      {kAuth + "    extra_fields: [ok, \"bad/one\"]\n", 7, "'bad/one' is not a HubSpot property name"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.rest);
    std::string errs = errors_of(c.rest);
    CHECK(errs.find(c.message) != std::string::npos);
    CHECK(errs.find("t.yaml:" + std::to_string(c.line) + ":") != std::string::npos);
  }
  // A bad URL is the loader's own check, with its line.
  auto loaded = load_config_text("database: /tmp/x.db\nsources:\n  - name: hs\n    type: hubspot\n    base_url: not a url\n" + kAuth,
                                 "/etc/crm-index/t.yaml", [](const std::string&) { return std::optional<std::string>(); });
  REQUIRE_FALSE(loaded.errors.empty());
  CHECK(loaded.errors[0].line == 5);
}

TEST_CASE("hubspot: a boolean own key is true or false only, as everywhere in the config (not yes/on)") {
  for (const std::string word : {"yes", "on", "Yes", "no", "off"}) {
    CAPTURE(word);
    CHECK(errors_of(kAuth + "    archived: " + word + "\n") ==
          "/etc/crm-index/t.yaml:7:15: source 'hs': archived: expected true or false, got '" + word + "'\n");
  }
  CHECK(errors_of(kAuth + "    archived: [true]\n") ==
        "/etc/crm-index/t.yaml:7:15: source 'hs': archived: expected true or false, got a list\n");
  CHECK(errors_of(kAuth + "    archived: false\n") == "");
  CHECK_FALSE(options_for(kAuth + "    archived: false\n").read_archived);
  CHECK(options_for(kAuth).read_archived);
}

// ---- The connector against a small search server on 127.0.0.1 ----------------------

namespace {

constexpr int64_t kT0 = 1735689600000;

// 450 contacts: ids 1..250 share kT0 (a mass update), 251..450 one second apart after
// it. Search honours GTE/GT/EQ on lastmodifieddate and GT on hs_object_id, sorts by the
// one sort given, pages by offset; the archived list holds id 999.
struct SearchServer {
  std::mutex mu;
  std::vector<std::string> bodies;
  bool daily = false;
  connector_test::LoopbackServer server{[this](const ServerRequest& req) { return handle(req); }};

  std::string base() { return server.base(); }

  static int64_t ms_of(int id) { return id <= 250 ? kT0 : kT0 + (id - 250) * 1000; }
  static std::string contact(int id, bool archived) {
    return fmt::format(R"({{"id":"{}","archived":{},"properties":{{"firstname":"P{}","lastname":null,"hs_object_id":"{}","lastmodifieddate":"{}"}},"updatedAt":"{}"}})",
                       id, archived ? "true" : "false", id, id, format_iso8601(from_ms(ms_of(id))), format_iso8601(from_ms(ms_of(id))));
  }

  ServerResponse handle(const ServerRequest& req) {
    if (daily)
      return ServerResponse::json(429, R"({"status":"error","message":"You have reached your daily limit.","policyName":"DAILY","errorType":"RATE_LIMIT"})");
    if (req.path == "/crm/v3/objects/contacts" && req.param("archived") == std::optional<std::string_view>("true"))
      return ServerResponse::json(200, fmt::format(R"({{"results":[{}]}})", contact(999, true)));
    if (req.path != "/crm/v3/objects/contacts/search") return ServerResponse::json(404, R"({"message":"no"})");
    {
      std::lock_guard lock(mu);
      bodies.push_back(req.body);
    }
    simdjson::dom::parser p;
    simdjson::dom::element root = p.parse(req.body);
    int64_t limit = root["limit"].get_int64().value();
    int64_t after = std::stoll(std::string(root["after"].get_string().value()));
    std::vector<int> ids;
    for (int id = 1; id <= 450; ++id) {
      bool ok = true;
      for (auto f : root.at_pointer("/filterGroups/0/filters").get_array()) {
        std::string_view prop = f["propertyName"].get_string().value(), op = f["operator"].get_string().value();
        int64_t v = std::stoll(std::string(f["value"].get_string().value()));
        int64_t x = prop == "hs_object_id" ? id : ms_of(id);
        if (op == "GTE") ok = ok && x >= v;
        else if (op == "GT") ok = ok && x > v;
        else if (op == "EQ") ok = ok && x == v;
        else FAIL("unexpected operator");
      }
      if (ok) ids.push_back(id);
    }
    // Equal times in an order that is not the id order: only hs_object_id sorts by id.
    std::string_view sort = root.at_pointer("/sorts/0/propertyName").get_string().value();
    if (sort == "lastmodifieddate")
      std::stable_sort(ids.begin(), ids.end(), [](int a, int b) {
        return ms_of(a) != ms_of(b) ? ms_of(a) < ms_of(b) : (a * 7919) % 450 < (b * 7919) % 450;
      });
    std::string results;
    int64_t end = std::min<int64_t>(static_cast<int64_t>(ids.size()), after + limit);
    for (int64_t i = after; i < end; ++i) results += (results.empty() ? "" : ",") + contact(ids[i], false);
    std::string paging = end < static_cast<int64_t>(ids.size())
                             ? fmt::format(R"(,"paging":{{"next":{{"after":"{}"}}}})", end) : "";
    return ServerResponse::json(200, fmt::format(R"({{"total":{},"results":[{}]{}}})", ids.size(), results, paging));
  }
};

SourceConfig hubspot_source(const std::string& base, int page_size) {
  auto loaded = load_config_text(fmt::format("database: /tmp/unused.db\nsources:\n  - name: hs\n    type: hubspot\n"
                                             "    base_url: {}\n    objects: [contacts]\n    page_size: {}\n"
                                             "    auth: {{ type: bearer, token: t }}\n", base, page_size),
                                 "/tmp/hs-test.yaml");
  for (auto& e : loaded.errors) FAIL_CHECK(e.format());
  REQUIRE(loaded.config);
  return loaded.config->sources.at(0);
}

}  // namespace

TEST_CASE("hubspot: incremental search pages a crowded instant by id and misses nothing") {
  SearchServer server;
  SourceConfig source = hubspot_source(server.base(), 100);
  FakeClock clock{from_ms(0)};
  FakeSleeper sleeper;
  HttpClientOptions opts;
  opts.max_attempts = 1;
  HttpClient http(opts, source.auth, std::make_shared<RateLimiter>(1000.0, 1000.0, clock), sleeper, clock);
  auto connector = find_connector_type("hubspot")->make(source, http);
  Cursor cursor;
  cursor.mode = SyncMode::incremental;
  cursor.since = from_ms(kT0 - 60000);
  std::set<std::string> live, tombstones;
  std::optional<TimePoint> high;
  int pages = 0;
  for (; pages < 100; ++pages) {
    auto page = connector->next_page(cursor);
    REQUIRE(page);
    for (const auto& r : page->records) (r.deleted ? tombstones : live).insert(r.external_id);
    if (page->high_water && (!high || *page->high_water > *high)) high = page->high_water;
    if (!page->next) break;
    REQUIRE(page->next != cursor.page_token);
    cursor.page_token = page->next;
  }
  CHECK(live.size() == 450);
  CHECK(tombstones == std::set<std::string>{"999"});
  REQUIRE(high);
  CHECK(to_ms(*high) == kT0 + 200 * 1000);
  CHECK(pages < 20);
  bool instant = false;
  for (const auto& b : server.bodies) {
    CHECK(b.find(R"("after":"0")") != std::string::npos);  // never pages by offset
    if (b.find(R"("operator":"EQ")") != std::string::npos) instant = true;
  }
  CHECK(instant);

  server.daily = true;
  cursor.page_token.reset();
  auto failed = connector->next_page(cursor);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message.find("daily API limit") != std::string::npos);
}

// ---- Live reads: get_by_id against a scripted HubSpot --------------------------------

namespace {

SourceConfig live_source(const std::string& base) {
  return connector_test::load_one_source(
      connector_test::one_source_yaml("hs", "hubspot", base,
                                      "    portal_id: \"42\"\n"
                                      "    extra_fields: [lifecyclestage]\n"
                                      "    auth: { type: bearer, token: t }\n"),
      "/tmp/hs-live.yaml");
}

const std::vector<std::string> kLiveFields = {"lifecyclestage", "hs_lead_status", "email", "nosuch", "/updatedAt"};

}  // namespace

TEST_CASE("hubspot: get_by_id reads one contact and maps it as a page does") {
  connector_test::LiveStub stub;
  stub.answer(200, testdata("contact_get.json"));
  SourceConfig source = live_source(stub.base());
  connector_test::LiveTestConnector c("hubspot", source);
  CHECK(c->has_get_by_id());
  auto live = c->get_by_id({"51", RecordKind::person, &kLiveFields});
  REQUIRE_MESSAGE(live, live.error().message);
  REQUIRE(stub.requests().size() == 1);
  // The mapped properties, then the live fields not among them; pointers are no property.
  CHECK(stub.requests()[0] ==
        "GET /crm/v3/objects/contacts/51?properties=firstname,lastname,email,phone,company,country,lastmodifieddate,"
        "hs_merged_object_ids,lifecyclestage,hs_lead_status,nosuch&archived=false&");
  REQUIRE(live->record);
  const Record& r = *live->record;
  CHECK(r.external_id == "51");
  CHECK(r.kind == RecordKind::person);
  CHECK(r.name == "Zoë Łukasz");
  CHECK(r.email == "zoe@example.com");
  CHECK(r.company == "Acme GmbH");
  CHECK(r.web_url == "https://app.hubspot.com/contacts/42/record/0-1/51");
  CHECK(r.extra == R"({"lifecyclestage":"customer"})");
  CHECK(format_iso8601(r.remote_updated_at) == "2025-11-20T09:14:03.512Z");
  CHECK_FALSE(r.deleted);
  CHECK(live->crm == R"({"lifecyclestage":"customer","hs_lead_status":null,"email":"zoe@example.com","nosuch":null,"/updatedAt":null})");

  // The same object in a list page maps to the same record, field for field.
  HubspotOptions o = parse_hubspot_options(source, nullptr);
  simdjson::dom::parser parser;
  Page page;
  REQUIRE(map_hubspot_answer(parser, R"({"results":[)" + testdata("contact_get.json") + "]}", o.objects[0], o, false, page));
  REQUIRE_FALSE(page.records.empty());
  connector_test::check_same_record(r, page.records[0]);
}

TEST_CASE("hubspot: get_by_id reads companies from their endpoint") {
  connector_test::LiveStub stub;
  stub.answer(200, R"({"id":"7","properties":{"name":"Acme GmbH","hs_lastmodifieddate":"2025-11-20T09:00:00Z"},"archived":false})");
  SourceConfig source = live_source(stub.base());
  connector_test::LiveTestConnector c("hubspot", source);
  auto live = c->get_by_id({"7", RecordKind::company, nullptr});
  REQUIRE(live);
  REQUIRE(live->record);
  CHECK(live->record->kind == RecordKind::company);
  CHECK(live->record->name == "Acme GmbH");
  CHECK(live->crm == "{}");
  CHECK(stub.requests().at(0).starts_with("GET /crm/v3/objects/companies/7?properties="));
}

TEST_CASE("hubspot: get_by_id says gone for the 404, an archived or a merged-away object") {
  connector_test::LiveStub stub;
  SourceConfig source = live_source(stub.base());
  connector_test::LiveTestConnector c("hubspot", source);
  stub.answer(404, testdata("error_404_object_not_found.json"));
  auto gone = c->get_by_id({"999", RecordKind::person, &kLiveFields});
  REQUIRE(gone);
  CHECK_FALSE(gone->record);
  CHECK(gone->crm == "{}");

  stub.answer(200, R"({"id":"999","properties":{"firstname":"A"},"archived":true})");
  auto archived = c->get_by_id({"999", RecordKind::person, nullptr});
  REQUIRE(archived);
  CHECK_FALSE(archived->record);

  // A merged-away id answered with its survivor: the id asked for is a tombstone naming it.
  stub.answer(200, testdata("contact_get.json"));
  auto merged = c->get_by_id({"4051", RecordKind::person, nullptr});
  REQUIRE(merged);
  REQUIRE(merged->record);
  CHECK(merged->record->deleted);
  CHECK(merged->record->external_id == "4051");
  CHECK(merged->record->merged_into != "");
  CHECK(merged->record->merged_into != "4051");

  // A 404 that is not HubSpot's "object not found" (a wrong base_url) is an error.
  stub.answer(404, "<html>Not Found</html>");
  auto wrong = c->get_by_id({"999", RecordKind::person, nullptr});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().http_status == 404);
}

TEST_CASE("hubspot: get_by_id errors carry the status and Retry-After") {
  connector_test::LiveStub stub;
  SourceConfig source = live_source(stub.base());
  connector_test::LiveTestConnector c("hubspot", source);
  stub.answer(429, testdata("error_429_ten_secondly.json"), {{"Retry-After", "7"}});
  auto limited = c->get_by_id({"51", RecordKind::person, nullptr});
  REQUIRE_FALSE(limited);
  CHECK(limited.error().kind == ErrorKind::transient);
  CHECK(limited.error().http_status == 429);
  CHECK(limited.error().retry_after_s == 7.0);
  CHECK(limited.error().message.find("TEN_SECONDLY_ROLLING") != std::string::npos);
  CHECK(stub.requests().size() == 1);  // one attempt, no retry of its own

  stub.answer(502, testdata("error_502.json"));
  auto down = c->get_by_id({"51", RecordKind::person, nullptr});
  REQUIRE_FALSE(down);
  CHECK(down.error().kind == ErrorKind::transient);
  CHECK(down.error().http_status == 502);

  stub.answer(401, testdata("error_401.json"));
  auto refused = c->get_by_id({"51", RecordKind::person, nullptr});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::auth);
  CHECK(refused.error().http_status == 401);

  stub.answer(200, R"({"id":"51","properties":)");
  auto cut = c->get_by_id({"51", RecordKind::person, nullptr});
  REQUIRE_FALSE(cut);
  CHECK(cut.error().message.find("not valid JSON") != std::string::npos);
}
