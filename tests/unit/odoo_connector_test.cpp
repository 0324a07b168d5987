// The Odoo (JSON-RPC) connector: options validation with file:line, the search_read
// arguments and keyset page tokens, parsing of recorded-style answers
// (connectors/odoo/testdata/), the JSON-RPC error envelope and its kinds, and a run
// against a loopback server that checks every request body (login first, then keyset
// pages) and that the password never reaches an error.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <simdjson.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "api/http_server.h"
#include "config/config.h"
#include "connectors/odoo/odoo_options.h"
#include "connectors/odoo/odoo_page.h"
#include "connectors/odoo/odoo_request.h"
#include "connectors/odoo/odoo_rpc.h"
#include "connectors/registry.h"
#include "http/http_client.h"
#include "sync/record_hash.h"
#include "tests/unit/connector_test_support.h"

using namespace crm;

namespace {

std::string odoo_testdata(const std::string& name) { return connector_test::testdata("odoo", name); }

const std::string kOdooAuth = "    auth: { type: odoo, username: crm@acme.example, password: s3cret-odoo-key }\n";

std::string odoo_yaml(const std::string& body) {
  return connector_test::one_source_yaml("od", "odoo", "https://erp.acme.example", body);  // body from line 6
}

std::string odoo_errors(const std::string& yaml) { return connector_test::config_errors(yaml, "/etc/crm-index/o.yaml"); }

SourceConfig odoo_source(const std::string& yaml) {
  return connector_test::load_one_source(yaml, "/tmp/odoo-test.yaml");
}

Result<OdooPage> parse_testdata(const std::string& name, const OdooOptions& options, simdjson::dom::parser& parser,
                                std::string& body) {
  body = odoo_testdata(name);
  auto result = odoo_result("t", body, parser);
  if (!result) return result.error();
  return parse_odoo_rows(*result, OdooRowContext{options, "res.partner", "https://erp.acme.example"});
}

}  // namespace

TEST_CASE("odoo: a minimal block loads with res.partner, the default mapping and web_url") {
  auto src = odoo_source(odoo_yaml("    db: acme\n" + kOdooAuth));
  OdooOptions o = parse_odoo_options(src, nullptr);
  CHECK(o.db == "acme");
  CHECK(o.objects == std::vector<std::string>{"res.partner"});
  CHECK(o.archived == OdooArchivedPolicy::tombstone);
  CHECK(o.web_url == "{base_url}/web#id={id}&model={object}&view_type=form");
  CHECK(odoo_read_fields(o) ==
        std::vector<std::string>{"name", "email", "phone", "commercial_company_name", "is_company", "active", "write_date"});
  auto mapped = odoo_source(odoo_yaml("    db: acme\n" + kOdooAuth +
                                      "    fields: { company: parent_id, national_id: vat }\n    extra_fields: [ref, vat]\n"));
  CHECK(odoo_read_fields(parse_odoo_options(mapped, nullptr)) ==
        std::vector<std::string>{"name", "email", "phone", "parent_id", "vat", "ref", "is_company", "active", "write_date"});
}

TEST_CASE("odoo config errors carry their line and say what is wrong") {
  struct Case { std::string body; int line; std::string message; };
  const Case cases[] = {
      {kOdooAuth, 3, "type odoo needs db"},
      {"    db: acme\n", 3, "type odoo needs auth"},
      {"    db: acme\n    objects: [res.partner, crm.lead]\n" + kOdooAuth, 7, "unknown model 'crm.lead' (known: res.partner)"},
      {"    db: acme\n    objects: [res.partner, res.partner]\n" + kOdooAuth, 7, "listed twice"},
      {"    db: acme\n    auth: { type: bearer, token: t-123 }\n", 7, "auth.type: 'bearer' is not accepted"},
      {"    db: acme\n" + kOdooAuth + "    fields: { mail: email_normalized }\n", 8, "'mail' cannot be mapped"},
      {"    db: acme\n" + kOdooAuth + "    fields: { national_id: \"Tax ID\" }\n", 8, "is not an Odoo field name"},
      {"    db: acme\n" + kOdooAuth + "    extra_fields: [ref, \"a.b\"]\n", 8, "extra_fields: 'a.b' is not an Odoo field name"},
      {"    db: acme\n" + kOdooAuth + "    archived: hide\n", 8, "archived: 'hide' is not tombstone or index"},
      {"    db: acme\n" + kOdooAuth + "    web_url: https://erp.acme.example/web\n", 8, "needs {id}"},
  };
  for (const auto& c : cases) {
    std::string errs = odoo_errors(odoo_yaml(c.body));
    CAPTURE(c.body);
    CAPTURE(errs);
    CHECK(errs.find(fmt::format("/etc/crm-index/o.yaml:{}:", c.line)) != std::string::npos);
    CHECK(errs.find(c.message) != std::string::npos);
    CHECK(errs.find("s3cret-odoo-key") == std::string::npos);
  }
  std::string rpc = "database: /tmp/x.db\nsources:\n  - name: od\n    type: odoo\n"
                    "    base_url: https://erp.acme.example/jsonrpc\n    db: acme\n" + kOdooAuth;
  CHECK(odoo_errors(rpc).find("o.yaml:5:15: source 'od': base_url: give the instance root") != std::string::npos);
  for (const char* ok : {"https://odoo.acme.example", "https://webshop.example/", "https://acme.example/erp"}) {
    std::string yaml = fmt::format("database: /tmp/x.db\nsources:\n  - name: od\n    type: odoo\n"
                                   "    base_url: {}\n    db: acme\n{}", ok, kOdooAuth);
    CHECK_MESSAGE(odoo_errors(yaml).empty(), ok);
  }
}

TEST_CASE("odoo query: keyset domains, orders, naive UTC datetimes, active_test false") {
  const std::vector<std::string> fields = {"name", "write_date"};
  auto full_first = odoo_search_read_args("acme", 7, "pw", "res.partner", fields, OdooPageToken{}, std::nullopt, 200);
  CHECK(full_first == R"(["acme",7,"pw","res.partner","search_read",[[]],{"fields":["name","write_date"],)"
                      R"("order":"id asc","limit":200,"offset":0,"context":{"active_test":false}}])");
  OdooPageToken full_next{0, false, std::nullopt, 58};
  CHECK(odoo_search_read_args("acme", 7, "pw", "res.partner", fields, full_next, std::nullopt, 2)
            .find(R"([[["id",">",58]]])") != std::string::npos);
  auto since = parse_iso8601("2025-11-20T10:14:03.900+01:00");
  OdooPageToken inc{0, true, std::nullopt, std::nullopt};
  auto inc_first = odoo_search_read_args("acme", 7, "pw", "res.partner", fields, inc, since, 2);
  CHECK(inc_first.find(R"([[["write_date",">=","2025-11-20 09:14:03"]]])") != std::string::npos);
  CHECK(inc_first.find(R"("order":"write_date asc, id asc")") != std::string::npos);
  OdooPageToken inc_next{0, true, to_ms(*parse_iso8601("2025-11-20T09:15:40Z")), 61};
  CHECK(odoo_search_read_args("acme", 7, "pw", "res.partner", fields, inc_next, since, 2)
            .find(R"([[["write_date",">=","2025-11-20 09:15:40"],"|",["write_date",">","2025-11-20 09:15:40"],)"
                  R"(["id",">",61]]])") != std::string::npos);
  CHECK(odoo_authenticate_args("acme", "crm@acme.example", "k\"ey") == R"(["acme","crm@acme.example","k\"ey",{}])");

  for (const OdooPageToken& t : {OdooPageToken{}, full_next, inc, inc_next}) {
    auto back = decode_odoo_token(encode_odoo_token(t));
    REQUIRE(back);
    CHECK(back->object == t.object);
    CHECK(back->by_write_date == t.by_write_date);
    CHECK(back->write_ms == t.write_ms);
    CHECK(back->last_id == t.last_id);
  }
  for (const char* bad : {"", "od1", "od1:0:id", "od1:x:id:1", "od1:0:wd:1", "od1:0:wd:-:5", "od1:0:id:1:2", "sf1:0:id:1"})
    CHECK_FALSE(decode_odoo_token(bad));
}

TEST_CASE("odoo page: false is empty, is_company decides kind, archived is a tombstone, many2one gives its name") {
  auto src = odoo_source(odoo_yaml("    db: acme\n" + kOdooAuth));
  OdooOptions o = parse_odoo_options(src, nullptr);
  simdjson::dom::parser parser;
  std::string body;
  auto p = parse_testdata("partners_page.json", o, parser, body);
  REQUIRE_MESSAGE(p, p.error().message);
  CHECK(p->rows == 4);
  CHECK(p->page.skipped == 1);  // write_date false
  REQUIRE(p->page.records.size() == 3);
  const Record& zoe = p->page.records[0];
  CHECK(zoe.external_id == "58");
  CHECK(zoe.kind == RecordKind::person);
  CHECK(zoe.name == "Zoë Łukasz");
  CHECK(zoe.phone.empty());
  CHECK(zoe.company == "Acme GmbH");
  CHECK(zoe.remote_updated_at == *parse_iso8601("2025-11-20T09:14:03Z"));
  CHECK(zoe.web_url == "https://erp.acme.example/web#id=58&model=res.partner&view_type=form");
  CHECK_FALSE(zoe.deleted);
  const Record& acme = p->page.records[1];
  CHECK(acme.kind == RecordKind::company);
  CHECK(acme.company.empty());  // its commercial_company_name is its own name
  CHECK(acme.phone == "+49 30 1234500");
  const Record& soren = p->page.records[2];
  CHECK(soren.deleted);
  CHECK(soren.email.empty());
  CHECK(p->page.high_water == parse_iso8601("2025-11-20T09:15:40Z"));
  CHECK(p->last_id == 62);
  CHECK_FALSE(p->last_write_ms);

  auto src2 = odoo_source(odoo_yaml("    db: acme\n" + kOdooAuth +
                                    "    archived: index\n    fields: { company: parent_id, national_id: vat }\n"
                                    "    extra_fields: [vat]\n    web_url: \"https://erp.acme.example/odoo/contacts/{id}\"\n"));
  OdooOptions o2 = parse_odoo_options(src2, nullptr);
  auto q = parse_testdata("partners_page.json", o2, parser, body);
  REQUIRE(q);
  CHECK(q->page.records[0].company == "Acme GmbH");  // parent_id [14, "Acme GmbH"]
  CHECK(q->page.records[2].company.empty());         // parent_id false
  CHECK_FALSE(q->page.records[2].deleted);
  CHECK(q->page.records[1].national_id == "DE123456789");
  CHECK(q->page.records[1].extra == R"({"vat":"DE123456789"})");
  CHECK(q->page.records[0].extra == R"({"vat":null})");
  CHECK(q->page.records[0].web_url == "https://erp.acme.example/odoo/contacts/58");
}

TEST_CASE("odoo errors: HTTP 200 envelopes by data.name, never the debug traceback") {
  struct Case { std::string file; ErrorKind kind; std::string text; };
  const Case cases[] = {
      {"error_access_denied.json", ErrorKind::auth, "t: odoo.exceptions.AccessDenied: Access Denied"},
      {"error_access_error.json", ErrorKind::config,
       "t: odoo.exceptions.AccessError: You are not allowed to access 'Contact' (res.partner) records."},
      {"error_invalid_field.json", ErrorKind::config, "builtins.ValueError: Invalid field 'x_tax_id' on model 'res.partner'"},
      {"error_serialization.json", ErrorKind::transient, "psycopg2.errors.SerializationFailure: could not serialize"},
  };
  simdjson::dom::parser parser;
  for (const auto& c : cases) {
    CAPTURE(c.file);
    std::string body = odoo_testdata(c.file);
    auto r = odoo_result("t", body, parser);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == c.kind);
    CHECK(r.error().message.find(c.text) != std::string::npos);
    CHECK(r.error().message.find("Traceback") == std::string::npos);
    CHECK(r.error().message.find("secret-customer") == std::string::npos);
  }
  std::string ok = odoo_testdata("authenticate_ok.json");
  auto uid = odoo_result("t", ok, parser);
  REQUIRE(uid);
  CHECK(uid->get_int64().value() == 7);
  std::string html = "<html><body>Odoo login</body></html>";
  auto h = odoo_result("t", html, parser);
  REQUIRE_FALSE(h);
  CHECK(h.error().kind == ErrorKind::config);
  CHECK(h.error().message.find("is base_url the Odoo root?") != std::string::npos);
  std::string cut = odoo_testdata("partners_page.json").substr(0, 100);
  auto t = odoo_result("t", cut, parser);
  REQUIRE_FALSE(t);
  CHECK(t.error().kind == ErrorKind::transient);
  CHECK(odoo_fault_error("t", "psycopg2.OperationalError", "FATAL:  database \"acme\" does not exist").kind ==
        ErrorKind::config);
  CHECK(odoo_fault_error("t", "psycopg2.OperationalError", "server closed the connection").kind == ErrorKind::transient);
}

namespace {

// A JSON-RPC endpoint: authenticate → 7 (or false), then pages of search_read built from
// partners_page.json's rows: page 1 = the first two rows, page 2 = the third (limit 2).
struct OdooStub {
  std::mutex mu;
  std::vector<std::string> bodies;
  bool refuse_login = false;
  connector_test::LoopbackServer server{[this](const ServerRequest& req) { return handle(req); }};

  std::string base() { return server.base(); }

  ServerResponse handle(const ServerRequest& req) {
    size_t n = 0;
    {
      std::lock_guard lock(mu);
      bodies.push_back(req.body);
      n = bodies.size();
    }
    if (req.path != "/jsonrpc" || req.method != "POST") return ServerResponse::json(404, "<html>404</html>");
    if (req.body.find("\"authenticate\"") != std::string::npos)
      return ServerResponse::json(200, odoo_testdata(refuse_login ? "authenticate_refused.json" : "authenticate_ok.json"));
    const std::string rows[] = {
        R"({"id":58,"name":"Zoë Łukasz","email":"zoe@example.com","phone":false,"is_company":false,)"
        R"("commercial_company_name":"Acme GmbH","active":true,"write_date":"2025-11-20 09:14:03"})",
        R"({"id":14,"name":"Acme GmbH","email":false,"phone":false,"is_company":true,)"
        R"("commercial_company_name":"Acme GmbH","active":true,"write_date":"2025-11-20 09:14:03"})",
        R"({"id":61,"name":"Søren","email":false,"phone":false,"is_company":false,)"
        R"("commercial_company_name":false,"active":false,"write_date":"2025-11-20 09:15:40"})"};
    std::string result = n == 2 ? "[" + rows[0] + "," + rows[1] + "]" : "[" + rows[2] + "]";
    return ServerResponse::json(200, R"({"jsonrpc":"2.0","id":2,"result":)" + result + "}");
  }
};

}  // namespace

TEST_CASE("odoo connector: login, then keyset pages; the password only in request bodies") {
  OdooStub stub;
  auto src = odoo_source(fmt::format("database: /tmp/x.db\nsources:\n  - name: od\n    type: odoo\n"
                                     "    base_url: {}/\n    db: acme\n    page_size: 2\n{}",
                                     stub.base(), kOdooAuth));
  connector_test::TestConnector connector("odoo", src);
  Cursor cursor;
  cursor.mode = SyncMode::incremental;
  cursor.since = parse_iso8601("2025-11-20T09:00:00Z");
  auto [records, pages] = connector_test::walk_pages(*connector, cursor, 10);
  CHECK(pages == 2);
  REQUIRE(records.size() == 3);
  CHECK(records[1].kind == RecordKind::company);
  CHECK(records[2].deleted);
  REQUIRE(stub.bodies.size() == 3);  // one login per run, then the pages
  CHECK(stub.bodies[0].find(R"("service":"common","method":"authenticate","args":["acme","crm@acme.example","s3cret-odoo-key",{}])") !=
        std::string::npos);
  CHECK(stub.bodies[1].find(R"("args":["acme",7,"s3cret-odoo-key","res.partner","search_read",[[["write_date",">=","2025-11-20 09:00:00"]]])") !=
        std::string::npos);
  CHECK(stub.bodies[2].find(R"([[["write_date",">=","2025-11-20 09:14:03"],"|",["write_date",">","2025-11-20 09:14:03"],["id",">",14]]])") !=
        std::string::npos);
  CHECK(stub.bodies[2].find(R"("limit":2,"offset":0)") != std::string::npos);

  stub.refuse_login = true;
  auto refused = connector->next_page(Cursor{});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::auth);
  CHECK(refused.error().message.starts_with("login: Odoo refused the login 'crm@acme.example' on database 'acme'"));
  CHECK(refused.error().message.find("s3cret-odoo-key") == std::string::npos);
}

TEST_CASE("odoo connector: a 404 from a wrong base_url is a configuration error") {
  OdooStub stub;
  auto src = odoo_source(fmt::format("database: /tmp/x.db\nsources:\n  - name: od\n    type: odoo\n"
                                     "    base_url: {}/erp\n    db: acme\n{}", stub.base(), kOdooAuth));
  auto page = connector_test::TestConnector("odoo", src)->next_page(Cursor{});
  REQUIRE_FALSE(page);
  CHECK(page.error().kind == ErrorKind::config);
  CHECK(page.error().message.starts_with("login: HTTP 404"));
  CHECK(page.error().message.find("s3cret-odoo-key") == std::string::npos);
}

namespace {

// JSON-RPC with execute_kw read: authenticate → 7, then an answer by the id read.
struct OdooReadStub {
  std::mutex mu;
  std::vector<std::string> bodies;
  connector_test::LoopbackServer server{[this](const ServerRequest& req) {
    {
      std::lock_guard lock(mu);
      bodies.push_back(req.body);
    }
    auto has = [&](std::string_view s) { return req.body.find(s) != std::string::npos; };
    if (has("\"authenticate\"")) return ServerResponse::json(200, odoo_testdata("authenticate_ok.json"));
    if (has("\"read\",[[58]]") || has("\"search_read\"")) return ServerResponse::json(200, odoo_testdata("read_partner.json"));
    if (has("\"read\",[[61]]")) return ServerResponse::json(200, odoo_testdata("read_archived.json"));
    if (has("\"read\",[[62]]")) return ServerResponse::json(200, odoo_testdata("read_empty.json"));
    if (has("\"read\",[[63]]")) return ServerResponse::json(200, odoo_testdata("error_access_denied.json"));
    if (has("\"read\",[[64]]")) {
      auto r = ServerResponse::json(429, "<html><head><title>429 Too Many Requests</title></head></html>");
      r.headers.emplace_back("Retry-After", "3");
      return r;
    }
    if (has("\"read\",[[65]]")) return ServerResponse::json(502, "<html><head><title>502 Bad Gateway</title></head></html>");
    return ServerResponse::json(200, odoo_testdata("error_missing.json"));
  }};

  std::string source_yaml(const std::string& extra) {
    return fmt::format("database: /tmp/x.db\nsources:\n  - name: od\n    type: odoo\n    base_url: {}\n"
                       "    db: acme\n{}{}",
                       server.base(), kOdooAuth, extra);
  }
};

LiveRequest odoo_live(const std::string& id, const std::vector<std::string>* fields) {
  LiveRequest req;
  req.external_id = id;
  req.fields = fields;
  return req;
}

}  // namespace

TEST_CASE("odoo get_by_id: read [[id]] with the mapping's and live.fields, mapped as search_read rows are") {
  OdooReadStub stub;
  const SourceConfig src =
      odoo_source(stub.source_yaml("    live: { fields: [function, /country_id/1, \"Not A Field\", email] }\n"));
  connector_test::TestConnector c("odoo", src);
  REQUIRE(c->has_get_by_id());
  auto live = c->get_by_id(odoo_live("58", &src.live.fields));
  REQUIRE_MESSAGE(live, live.error().message);
  REQUIRE(stub.bodies.size() == 2);  // login, then the read
  CHECK(stub.bodies[1].find(R"("args":["acme",7,"s3cret-odoo-key","res.partner","read",[[58]],{"fields":)"
                            R"(["name","email","phone","commercial_company_name","is_company","active","write_date",)"
                            R"("function","country_id"]}])") != std::string::npos);
  REQUIRE(live->record);
  CHECK(live->record->external_id == "58");
  CHECK(live->record->company == "Acme GmbH");
  CHECK(live->crm == R"({"function":"Buyer","/country_id/1":"Germany","Not A Field":null,"email":"zoe@example.com"})");

  // The same row in a search_read page: the same Record, the same hash.
  auto page = c->next_page(Cursor{});
  REQUIRE_MESSAGE(page, page.error().message);
  REQUIRE(page->records.size() == 1);
  CHECK(hash_record(page->records[0]) == hash_record(*live->record));
  CHECK(page->records[0].web_url == live->record->web_url);

  auto again = c->get_by_id(odoo_live("58", nullptr));
  REQUIRE(again);
  CHECK(again->crm == "{}");
  CHECK(stub.bodies.size() == 5);  // the page's run logged in again; this read did not
}

TEST_CASE("odoo get_by_id: MissingError, an empty read and an archived partner are gone; errors keep their kind") {
  OdooReadStub stub;
  const SourceConfig src = odoo_source(stub.source_yaml(""));
  connector_test::TestConnector c("odoo", src);
  for (const char* id : {"999", "62", "61", "x"}) {
    CAPTURE(id);
    auto live = c->get_by_id(odoo_live(id, nullptr));
    REQUIRE_MESSAGE(live, live.error().message);
    CHECK_FALSE(live->record);
  }
  auto denied = c->get_by_id(odoo_live("63", nullptr));
  REQUIRE_FALSE(denied);
  CHECK(denied.error().kind == ErrorKind::auth);
  auto busy = c->get_by_id(odoo_live("64", nullptr));
  REQUIRE_FALSE(busy);
  CHECK(busy.error().http_status == 429);
  REQUIRE(busy.error().retry_after_s);
  CHECK(*busy.error().retry_after_s == 3.0);
  auto down = c->get_by_id(odoo_live("65", nullptr));
  REQUIRE_FALSE(down);
  CHECK(down.error().kind == ErrorKind::transient);
  CHECK(down.error().http_status == 502);

  // archived: index keeps an archived partner as a live record.
  const SourceConfig kept = odoo_source(stub.source_yaml("    archived: index\n"));
  connector_test::TestConnector k("odoo", kept);
  auto archived = k->get_by_id(odoo_live("61", nullptr));
  REQUIRE_MESSAGE(archived, archived.error().message);
  REQUIRE(archived->record);
  CHECK_FALSE(archived->record->deleted);
}
