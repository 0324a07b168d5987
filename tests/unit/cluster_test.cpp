// The cluster: block (platform.md "Beyond one machine") into ClusterConfig, its errors at
// file:line:col; and a record state's subject and JSON both ways (cluster/record_state.h),
// tombstones included. The roles themselves run against a real NATS cluster in
// tests/e2e/test_cluster.py.
#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "cluster/record_state.h"
#include "store/index_writer.h"
#include "sync/record_hash.h"
#include "config/config.h"
#include "core/text_codec.h"
#include "tests/unit/config_test_support.h"

using namespace crm;
using namespace crm::config_test;
using namespace std::chrono_literals;

TEST_CASE("cluster: a full block, and the defaults") {
  const Config c = require_config(load(
      "database: x\n"
      "cluster:\n"
      "  servers: [nats://10.0.0.1:4222, nats://10.0.0.2:4222, nats://10.0.0.3:4222, nats://10.0.0.4:4222]\n"
      "  auth: { type: token, token: \"${NATS_TOKEN}\" }\n"
      "  role: replica\n"
      "  name: replica-a\n"
      "  lease_ttl: 45s\n",
      {{"NATS_TOKEN", "s3cret"}}));
  REQUIRE(c.cluster.has_value());
  CHECK(c.cluster->servers.size() == 4);
  CHECK(c.cluster->replicas() == 3);  // at most 3, whatever the number of servers
  CHECK(c.cluster->auth.type == "token");
  CHECK(c.cluster->auth.token.reveal() == "s3cret");
  CHECK(c.cluster->role == ClusterRole::replica);
  CHECK(c.cluster->name == "replica-a");
  CHECK(c.cluster->lease_ttl == 45s);

  const Config d = require_config(load("database: x\ncluster: { servers: nats://127.0.0.1:4222, role: poller, name: p1 }\n"));
  CHECK(d.cluster->role == ClusterRole::poller);
  CHECK(d.cluster->lease_ttl == 30s);
  CHECK(d.cluster->replicas() == 1);
  CHECK(d.cluster->auth.type == "none");
  CHECK_FALSE(require_config(load("database: x\n")).cluster.has_value());
}

TEST_CASE("cluster: every error at its line") {
  const std::string head = "database: x\ncluster:\n";
  check_error_cases({
      {"no servers", head + "  role: poller\n  name: p\n", "servers", 3},
      {"not a NATS address", head + "  servers: [http://h:4222]\n  role: poller\n  name: p\n", "servers[0]", 3},
      {"no role", head + "  servers: nats://h:4222\n  name: p\n", "role", 3},
      {"a wrong role", head + "  servers: nats://h:4222\n  role: leader\n  name: p\n", "poller", 4},
      {"no name", head + "  servers: nats://h:4222\n  role: poller\n", "name", 3},
      {"a bad name", head + "  servers: nats://h:4222\n  role: poller\n  name: Poller A\n", "not a valid process name", 5},
      {"a short lease", head + "  servers: nats://h:4222\n  role: poller\n  name: p\n  lease_ttl: 1s\n", "lease_ttl", 6},
      {"an unknown key", head + "  servers: nats://h:4222\n  role: poller\n  name: p\n  leas_ttl: 9s\n", "lease_ttl", 6},
      {"a bad auth type", head + "  servers: nats://h:4222\n  role: poller\n  name: p\n  auth: { type: jwt }\n",
       "cluster.auth", 6},
  });
}

TEST_CASE("record state: subject and JSON round trip, tombstones too") {
  StoredRecord sr;
  sr.source = "legacy";
  sr.crm_type = "rest";
  Record& r = sr.record;
  r.external_id = "a.b/c d*>";  // characters a NATS subject token may not hold
  r.kind = RecordKind::company;
  r.name = "Müller \"GmbH\"";
  r.email = "info@mueller.example";
  r.phone = "+49 30 1234567";
  r.country = "DE";
  r.extra = R"({"tier":"gold"})";
  r.web_url = "https://crm.example/c/1";
  r.remote_updated_at = from_ms(1'700'000'000'123);

  CHECK(record_state_subject(sr.source, r.external_id) == "crm-index.rec.legacy." + base64url(r.external_id));
  const std::string token = base64url(r.external_id);
  CHECK(token.find_first_of(".*> ") == std::string::npos);

  std::string body;
  append_record_state_json(body, sr);
  auto back = parse_record_state(body);
  REQUIRE(back);
  CHECK(back->source == "legacy");
  CHECK(back->crm_type == "rest");
  CHECK(back->record.external_id == r.external_id);
  CHECK(back->record.kind == RecordKind::company);
  CHECK(back->record.name == r.name);
  CHECK(back->record.email == r.email);
  CHECK(back->record.phone == r.phone);
  CHECK(back->record.country == "DE");
  CHECK(back->record.extra == r.extra);
  CHECK(back->record.web_url == r.web_url);
  CHECK(to_ms(back->record.remote_updated_at) == 1'700'000'000'123);
  CHECK_FALSE(back->record.deleted);

  r.deleted = true;
  r.merged_into = "42";
  body.clear();
  append_record_state_json(body, sr);
  back = parse_record_state(body);
  REQUIRE(back);
  CHECK(back->record.deleted);
  CHECK(back->record.merged_into == "42");

  CHECK_FALSE(parse_record_state("not json"));
  CHECK_FALSE(parse_record_state(R"({"v":2,"source":"x"})"));
  CHECK_FALSE(parse_record_state(R"({"v":1,"source":"x","crm_type":"rest","kind":"person"})"));
}

namespace {

struct ReplicaIndex {
  std::filesystem::path dir;
  std::unique_ptr<IndexWriter> writer;
  ReplicaIndex() {
    static int n = 0;
    dir = std::filesystem::temp_directory_path() /
          ("crm-cluster-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::create_directories(dir);
    auto w = IndexWriter::open((dir / "index.db").string());
    REQUIRE(w);
    writer = std::move(*w);
  }
  ~ReplicaIndex() {
    writer.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  ReplicatedCounts apply(std::vector<Record> records, uint64_t seq) {
    ReplicatedBatch b;
    b.stream = kRecordsStream;
    b.last_seq = seq;
    b.now = from_ms(1'800'000'000'000 + static_cast<int64_t>(seq));
    ReplicatedSource s{"legacy", "rest", {}, {}};
    for (auto& r : records) {
      s.hashes.push_back(hash_record(r));
      s.records.push_back(std::move(r));
    }
    b.sources.push_back(std::move(s));
    auto counts = writer->apply_replicated(b);
    REQUIRE(counts);
    return *counts;
  }
  // external_id → deleted, of every row.
  std::map<std::string, bool> rows() {
    SQLite::Database db((dir / "index.db").string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT external_id, deleted_ms IS NOT NULL FROM records ORDER BY external_id");
    std::map<std::string, bool> out;
    while (q.executeStep()) out[q.getColumn(0).getString()] = q.getColumn(1).getInt() != 0;
    return out;
  }
};

Record state(const std::string& id, const std::string& name, bool deleted = false) {
  Record r;
  r.external_id = id;
  r.name = name;
  r.deleted = deleted;
  return r;
}

}  // namespace

TEST_CASE("replicated states: create, update, tombstone, a tombstone of a record never seen, the position") {
  ReplicaIndex index;
  CHECK(*index.writer->stream_position(kRecordsStream) == 0);
  ReplicatedCounts c = index.apply({state("1", "Ann"), state("2", "Bob"), state("3", "Cy", true)}, 10);
  CHECK(c.created == 2);
  CHECK(c.deleted == 1);
  CHECK(index.rows() == std::map<std::string, bool>{{"1", false}, {"2", false}, {"3", true}});
  CHECK(*index.writer->stream_position(kRecordsStream) == 10);

  c = index.apply({state("1", "Ann B"), state("2", "Bob", true), state("3", "Cy", true)}, 20);
  CHECK(c.updated == 1);
  CHECK(c.deleted == 1);
  CHECK(c.unchanged == 1);
  CHECK(index.rows() == std::map<std::string, bool>{{"1", false}, {"2", true}, {"3", true}});

  c = index.apply({state("2", "Bob")}, 21);  // a tombstone that came back
  CHECK(c.created == 1);
  CHECK(index.rows().at("2") == false);
  CHECK(*index.writer->stream_position(kRecordsStream) == 21);
}
