// The linker against a real SQLite index, with records written the way a sync writes
// them (IndexWriter::commit, so that the change feed drives it).
#include <doctest/doctest.h>

#include <SQLiteCpp/Statement.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "link/linker.h"
#include "store/index_writer.h"

using namespace crm;

namespace {

struct LinkFixture {
  std::filesystem::path dir;
  std::unique_ptr<IndexWriter> writer;
  std::unique_ptr<SQLite::Database> reads;  // what the tests look at: the writer owns its SQL
  SQLite::Database& db() { return *reads; }
  Config config;
  std::map<std::string, int64_t> sources;
  int64_t run_id = 0;
  TimePoint now = from_ms(1'800'000'000'000);

  LinkFixture() {
    static int n = 0;
    dir = std::filesystem::temp_directory_path() /
          ("crm-link-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::create_directories(dir);
    auto w = IndexWriter::open((dir / "index.db").string());
    REQUIRE(w);
    writer = std::move(*w);
    reads = std::make_unique<SQLite::Database>((dir / "index.db").string(), SQLite::OPEN_READONLY);
    for (const char* name : {"eu", "us", "hs"}) {
      SourceConfig s;
      s.name = name;
      s.type = "rest";
      s.phone_region = std::string(name) == "us" ? "US" : "DE";
      config.sources.push_back(s);
      auto row = writer->ensure_source(name, "rest", now);
      REQUIRE(row);
      sources[name] = row->id;
    }
  }
  ~LinkFixture() {
    reads.reset();
    writer.reset();
    std::filesystem::remove_all(dir);
  }

  // Writes one record (create or update) as a sync would.
  void put(const std::string& source, Record r) {
    int64_t sid = sources.at(source);
    std::vector<Record> one{r};
    std::vector<StoredState> stored;
    REQUIRE(writer->lookup(sid, one, stored));
    if (run_id == 0) run_id = *writer->begin_run(sid, SyncMode::full, now);
    PageCommit page;
    page.source_id = sid;
    page.run_id = run_id;
    page.crm_type = "rest";
    page.now = now;
    page.writes.push_back(RecordWrite{&one[0], stored[0].row_id, Hash128{},
                                      r.deleted ? ChangeOp::remove
                                      : stored[0].row_id ? ChangeOp::update
                                                         : ChangeOp::create});
    REQUIRE(writer->commit(page));
  }
  void person(const std::string& source, const std::string& id, const std::string& name,
              const std::string& email, const std::string& phone = "", const std::string& company = "") {
    Record r;
    r.external_id = id;
    r.name = name;
    r.email = email;
    r.phone = phone;
    r.company = company;
    put(source, r);
  }
  LinkStats link() {
    Linker linker(writer->links(), config);
    auto s = linker.catch_up(now);
    REQUIRE(s);
    return *s;
  }
  int64_t row(const std::string& ref) {
    auto colon = ref.find(':');
    SQLite::Statement q(db(), "SELECT id FROM records WHERE source_id = ?1 AND external_id = ?2");
    q.bind(1, sources.at(ref.substr(0, colon)));
    q.bind(2, ref.substr(colon + 1));
    REQUIRE(q.executeStep());
    return q.getColumn(0).getInt64();
  }
  // The customer id as the API shows it (0: none).
  int64_t customer(const std::string& ref) {
    SQLite::Statement q(db(),
                        "SELECT coalesce((SELECT customer_id FROM record_customer WHERE record_id = r.id), "
                        "CASE WHEN r.deleted_ms IS NULL THEN r.id ELSE 0 END) FROM records r WHERE r.id = ?1");
    q.bind(1, row(ref));
    REQUIRE(q.executeStep());
    return q.getColumn(0).getInt64();
  }
  std::vector<std::string> reasons(int64_t customer_id) {
    std::vector<std::string> out;
    SQLite::Statement q(db(), "SELECT rule || '=' || value FROM link_reasons WHERE customer_id = ?1 ORDER BY 1");
    q.bind(1, customer_id);
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
  }
  long suggestions() { return db().execAndGet("SELECT count(*) FROM suggestions").getInt64(); }
  Result<int64_t> mark(const std::string& a, const std::string& b, MarkOp op) {
    Linker linker(writer->links(), config);
    auto ra = parse_record_ref(a);
    auto rb = parse_record_ref(b);
    REQUIRE(ra);
    REQUIRE(rb);
    return linker.add_mark(MarkRequest{*ra, *rb, op, "checked by phone", "tester"}, now);
  }
};

}  // namespace

TEST_CASE("same email (case aside) and same phone (written two ways) join records across CRMs") {
  LinkFixture f;
  f.person("eu", "1", "Zoë Łukasz", "Zoe.Lukasz@Example.com", "030 1234567");
  f.person("us", "A", "Zoe Lukasz", "zoe.lukasz@example.com");
  f.person("hs", "x", "Z. Lukasz", "other@example.org", "+49 30 1234567");
  f.person("hs", "y", "Somebody Else", "else@example.org");
  f.link();
  CHECK(f.customer("eu:1") == f.row("eu:1"));
  CHECK(f.customer("us:A") == f.row("eu:1"));
  CHECK(f.customer("hs:x") == f.row("eu:1"));
  CHECK(f.customer("hs:y") == f.row("hs:y"));
  CHECK(f.reasons(f.row("eu:1")) ==
        std::vector<std::string>{"email=zoe.lukasz@example.com", "phone=+49301234567"});
}

TEST_CASE("an identifier that two records of one CRM share links no one, and suggests") {
  LinkFixture f;
  f.person("eu", "1", "Anna Berg", "info@acme.example");
  f.person("eu", "2", "Bert Berg", "info@acme.example");
  f.person("us", "A", "Anna Berg", "INFO@acme.example");
  f.link();
  CHECK(f.customer("us:A") == f.row("us:A"));
  CHECK(f.customer("eu:1") == f.row("eu:1"));
  CHECK(f.customer("eu:2") == f.row("eu:2"));
  CHECK(f.suggestions() == 2);  // us:A with eu:1 and with eu:2 (shared_email)
}

TEST_CASE("weak evidence only suggests; persons never link to companies") {
  LinkFixture f;
  f.person("eu", "1", "Max Mustermann", "max@a.example", "", "Acme GmbH");
  f.person("us", "A", "MAX  MUSTERMANN", "m@b.example", "", "ACME GmbH");
  Record company;
  company.external_id = "C";
  company.kind = RecordKind::company;
  company.name = "Acme GmbH";
  company.email = "max@a.example";
  f.put("hs", company);
  f.link();
  CHECK(f.customer("us:A") == f.row("us:A"));
  CHECK(f.customer("hs:C") == f.row("hs:C"));  // same email, but a company
  CHECK(f.customer("eu:1") == f.row("eu:1"));
  SQLite::Statement q(f.db(), "SELECT rule, value FROM suggestions");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getString() == "name_company");
  CHECK(q.getColumn(1).getString() == "max mustermann | acme gmbh");
}

TEST_CASE("a changed email moves the record to another customer") {
  LinkFixture f;
  f.person("eu", "1", "A", "a@x.example");
  f.person("us", "A", "A", "a@x.example");
  f.person("eu", "2", "B", "b@x.example");
  f.person("hs", "B", "B", "b@x.example");
  f.link();
  CHECK(f.customer("us:A") == f.row("eu:1"));
  f.person("us", "A", "A", "b@x.example");
  auto stats = f.link();
  CHECK(stats.region <= 4);
  CHECK(f.customer("eu:1") == f.row("eu:1"));
  // us:A is older than eu:2 and us:B: the customer it joins now carries its id.
  CHECK(f.customer("us:A") == f.row("us:A"));
  CHECK(f.customer("eu:2") == f.row("us:A"));
  CHECK(f.customer("hs:B") == f.row("us:A"));
  CHECK(f.reasons(f.row("eu:1")).empty());
}

TEST_CASE("a record its CRM merged away joins its survivor's customer") {
  LinkFixture f;
  f.person("eu", "1", "A", "a@x.example");
  f.person("eu", "2", "A", "a2@x.example");
  f.person("us", "A", "A", "a2@x.example");
  f.link();
  Record gone;
  gone.external_id = "1";
  gone.deleted = true;
  gone.merged_into = "2";
  f.put("eu", gone);
  f.link();
  CHECK(f.customer("eu:1") == f.row("eu:1"));  // the loser is older: it names the customer
  CHECK(f.customer("eu:2") == f.row("eu:1"));
  CHECK(f.customer("us:A") == f.row("eu:1"));
}

TEST_CASE("manual marks: link joins, unlink splits, both survive a full relink") {
  LinkFixture f;
  f.person("eu", "1", "A", "a@x.example");
  f.person("us", "A", "A", "a@x.example");
  f.person("hs", "z", "Zed", "z@x.example");
  f.link();
  REQUIRE(f.mark("eu:1", "us:A", MarkOp::unlink));
  CHECK(f.customer("us:A") == f.row("us:A"));
  REQUIRE(f.mark("hs:z", "us:A", MarkOp::link));
  CHECK(f.customer("us:A") == f.row("us:A"));
  CHECK(f.customer("hs:z") == f.row("us:A"));
  Linker linker(f.writer->links(), f.config);
  REQUIRE(linker.relink_all(f.now));
  CHECK(f.customer("eu:1") == f.row("eu:1"));
  CHECK(f.customer("hs:z") == f.row("us:A"));
  CHECK(f.reasons(f.row("us:A")) == std::vector<std::string>{"manual=checked by phone"});
  auto missing = f.mark("eu:1", "us:NOPE", MarkOp::link);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("no record us:NOPE") != std::string::npos);
  CHECK_FALSE(f.mark("eu:1", "eu:1", MarkOp::link));
}

TEST_CASE("a mark taken back: the pair is linked by the rules again, and the feed says so") {
  LinkFixture f;
  f.person("eu", "1", "A", "a@x.example");
  f.person("us", "A", "A", "a@x.example");
  f.person("hs", "z", "Zed", "z@x.example");
  f.link();
  REQUIRE(f.customer("us:A") == f.customer("eu:1"));
  auto apart = f.mark("eu:1", "us:A", MarkOp::unlink);
  REQUIRE(apart);
  REQUIRE(f.customer("us:A") != f.customer("eu:1"));
  auto joined = f.mark("hs:z", "us:A", MarkOp::link);
  REQUIRE(joined);
  REQUIRE(f.customer("hs:z") == f.customer("us:A"));

  Linker linker(f.writer->links(), f.config);
  REQUIRE(linker.remove_mark(*apart, "alice", f.now));
  CHECK(f.customer("us:A") == f.customer("eu:1"));  // the e-mail links them again
  REQUIRE(linker.remove_mark(*joined, "alice", f.now));
  CHECK(f.customer("hs:z") == f.row("hs:z"));  // nothing but the mark held them together
  CHECK(f.customer("us:A") == f.customer("eu:1"));

  auto again = linker.remove_mark(*joined, "alice", f.now);
  REQUIRE_FALSE(again);
  CHECK(again.error().kind == ErrorKind::not_found);
  CHECK(f.db().execAndGet("SELECT count(*) FROM changes WHERE op = 'mark_deleted'").getInt64() == 2);
  CHECK(f.db().execAndGet("SELECT removed_by FROM link_marks WHERE id = " + std::to_string(*apart)).getString() ==
        "alice");
  // The pair can be marked again: a new mark, with a new id; a full relink applies only it.
  auto anew = f.mark("hs:z", "us:A", MarkOp::link);
  REQUIRE(anew);
  CHECK(*anew != *joined);
  REQUIRE(linker.relink_all(f.now));
  CHECK(f.customer("hs:z") == f.customer("us:A"));
  CHECK(f.customer("us:A") == f.customer("eu:1"));
}

TEST_CASE("a full relink and incremental linking agree") {
  LinkFixture f;
  for (int i = 0; i < 40; ++i) {
    f.person("eu", std::to_string(i), "P" + std::to_string(i), "p" + std::to_string(i % 25) + "@x.example",
             i % 3 == 0 ? "+49 30 12345" + std::to_string(10 + i % 7) : "");
    f.person("us", std::to_string(i), "P" + std::to_string(i), "p" + std::to_string((i * 7) % 31) + "@x.example");
  }
  f.link();
  std::map<std::string, int64_t> incremental;
  for (const char* s : {"eu", "us"})
    for (int i = 0; i < 40; ++i) incremental[std::string(s) + ":" + std::to_string(i)] = f.customer(std::string(s) + ":" + std::to_string(i));
  Linker linker(f.writer->links(), f.config);
  auto stats = linker.relink_all(f.now);
  REQUIRE(stats);
  CHECK(stats->full);
  CHECK(stats->customer_changes == 0);
  for (const auto& [ref, cid] : incremental) CHECK(f.customer(ref) == cid);
}

TEST_CASE("a mark survives the deletion of another member, and a deleted record leaves its customer") {
  LinkFixture f;
  f.person("eu", "1", "A", "a@x.example");
  f.person("us", "A", "A", "a@x.example");
  f.person("hs", "z", "Zed", "z@x.example");
  f.link();
  REQUIRE(f.mark("hs:z", "us:A", MarkOp::link));
  CHECK(f.customer("hs:z") == f.row("eu:1"));
  Record gone;
  gone.external_id = "1";
  gone.deleted = true;
  f.put("eu", gone);
  f.link();
  CHECK(f.customer("eu:1") == 0);  // deleted: no customer
  CHECK(f.customer("us:A") == f.row("us:A"));
  CHECK(f.customer("hs:z") == f.row("us:A"));
  CHECK(f.reasons(f.row("us:A")) == std::vector<std::string>{"manual=checked by phone"});
}

namespace {

void put_person(LinkFixture& f, const std::string& source, const std::string& id, const std::string& given,
                const std::string& family, const std::string& phone, const std::string& country = "") {
  Record r;
  r.external_id = id;
  r.given_name = given;
  r.family_name = family;
  r.name = given + " " + family;
  r.phone = phone;
  r.country = country;
  f.put(source, r);
}

std::vector<std::string> suggestion_rules(LinkFixture& f) {
  std::vector<std::string> out;
  SQLite::Statement q(f.db(), "SELECT rule || '=' || value FROM suggestions ORDER BY 1");
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

}  // namespace

TEST_CASE("phones written nationally in a source without their region link, by country or by the index") {
  // eu and hs read national numbers as German, us as American: none is right for these
  // (and libphonenumber holds none of them valid there).
  struct Case {
    const char* source;      // of the national record
    const char* e164_form;   // in hs (its +44 / +1 / +34 form parses anywhere)
    const char* national;    // no country unless given
    const char* country;     // "" or the record's country
    const char* other;       // "" or another reading of the number, held by eu
    bool links;
  };
  for (const Case& c : {Case{"us", "+44 20 7028 9701", "020 7028 9701", "", "", true},
                        Case{"eu", "+1 617 477 7138", "1-617-477-7138", "", "", true},
                        Case{"us", "+34 911 23 45 67", "911 23 4567", "", "", true},
                        // Spanish or Portuguese: both are in the index, so neither.
                        Case{"us", "+34 911 23 45 67", "911 23 4567", "", "+351 911 234 567", false},
                        // … unless the record says which.
                        Case{"us", "+34 911 23 45 67", "911 23 4567", "Spain", "+351 911 234 567", true}}) {
    CAPTURE(std::string(c.national));
    CAPTURE(std::string(c.country));
    CAPTURE(std::string(c.other));
    for (bool incremental_order : {false, true}) {
      LinkFixture f;
      if (*c.other) put_person(f, "hs", "o", "Olivia", "Brown", c.other);
      // One order: the E.164 record first. The other: the national one, linked alone,
      // then the E.164 record arrives (the national record is looked at again).
      const std::string n = std::string(c.source) + ":n";
      if (incremental_order) {
        put_person(f, c.source, "n", "Olivia", "Brown", c.national, c.country);
        f.link();
        put_person(f, "hs", "e", "Olivia", "Brown", c.e164_form);
      } else {
        put_person(f, "hs", "e", "Olivia", "Brown", c.e164_form);
        put_person(f, c.source, "n", "Olivia", "Brown", c.national, c.country);
      }
      f.link();
      CHECK((f.customer(n) == f.customer("hs:e")) == c.links);
      Linker linker(f.writer->links(), f.config);
      auto full = linker.relink_all(f.now);
      REQUIRE(full);
      CHECK(full->customer_changes == 0);  // a full relink agrees
      CHECK((f.customer(n) == f.customer("hs:e")) == c.links);
    }
  }
}

TEST_CASE("a phone links only records whose names agree; other names make a suggestion") {
  LinkFixture f;
  // A family line: the same home number for Anna and Peter Meier, in two CRMs.
  put_person(f, "eu", "anna", "Anna", "Meier", "030 1234567");
  put_person(f, "us", "anna", "A.", "Meier", "+49 30 1234567");
  put_person(f, "us", "peter", "Peter", "Meier", "+49 30 1234567");
  // A reception desk: two colleagues behind one switchboard number.
  put_person(f, "eu", "rita", "Rita", "Kraus", "+49 89 2000 1000");
  put_person(f, "hs", "jan", "Jan", "Nowak", "089 2000 1000");
  // Companies: the same company name agrees.
  Record c1, c2;
  c1.external_id = c2.external_id = "acme";
  c1.kind = c2.kind = RecordKind::company;
  c1.name = "Acme GmbH";
  c2.name = "ACME GMBH";
  c1.phone = "+49 40 3000 2000";
  c2.phone = "040 3000 2000";
  f.put("eu", c1);
  f.put("hs", c2);
  f.link();
  CHECK(f.customer("us:anna") == f.customer("eu:anna"));
  CHECK(f.customer("us:peter") == f.row("us:peter"));
  CHECK(f.customer("hs:jan") == f.row("hs:jan"));
  CHECK(f.customer("eu:rita") == f.row("eu:rita"));
  CHECK(f.customer("hs:acme") == f.customer("eu:acme"));
  auto got = suggestion_rules(f);
  std::string joined;
  for (const auto& g : got) joined += g + "; ";
  CAPTURE(joined);
  CHECK(got == std::vector<std::string>{"name_company=acme gmbh", "phone_other_name=+49301234567",
                                            "phone_other_name=+498920001000"});
  Linker linker(f.writer->links(), f.config);
  REQUIRE(linker.relink_all(f.now));
  CHECK(suggestion_rules(f) == got);
  CHECK(f.customer("us:peter") == f.row("us:peter"));
}
