#include <doctest/doctest.h>

#include <utility>
#include <vector>

#include "sync/record_hash.h"

using namespace crm;

namespace {
Record sample() {
  Record r;
  r.external_id = "42";
  r.name = "Zoë Łukasz";
  r.given_name = "Zoë";
  r.family_name = "Łukasz";
  r.email = "zoe@example.com";
  r.phone = "+49 30 1234567";
  r.company = "Acme GmbH";
  r.web_url = "https://crm.example/42";
  r.extra = R"({"source":"web"})";
  r.remote_updated_at = from_ms(1000);
  return r;
}
}  // namespace

TEST_CASE("hash: equal content, equal hash; the modification time alone changes nothing") {
  Record a = sample(), b = sample();
  CHECK(hash_record(a) == hash_record(b));
  b.remote_updated_at = from_ms(999999);  // a "touch" (SystemModstamp) must write nothing
  CHECK(hash_record(a) == hash_record(b));
}

TEST_CASE("hash: any mapped field change gives another hash") {
  const Record base = sample();
  const Hash128 h = hash_record(base);
  std::vector<std::pair<const char*, void (*)(Record&)>> edits = {
      {"name", [](Record& r) { r.name += "x"; }},
      {"given_name", [](Record& r) { r.given_name = "Zoe"; }},
      {"family_name", [](Record& r) { r.family_name.clear(); }},
      {"email", [](Record& r) { r.email = "ZOE@example.com"; }},
      {"phone", [](Record& r) { r.phone = "+49 30 1234568"; }},
      {"company", [](Record& r) { r.company = "Acme AG"; }},
      {"national_id", [](Record& r) { r.national_id = "DE123"; }},
      {"web_url", [](Record& r) { r.web_url += "/"; }},
      {"extra", [](Record& r) { r.extra = R"({"source":"fax"})"; }},
      {"kind", [](Record& r) { r.kind = RecordKind::company; }},
      {"deleted", [](Record& r) { r.deleted = true; }},
      {"merged_into", [](Record& r) { r.merged_into = "7"; }},
  };
  for (auto& [name, edit] : edits) {
    CAPTURE(name);
    Record r = base;
    edit(r);
    CHECK_FALSE(hash_record(r) == h);
  }
}

TEST_CASE("hash: field boundaries are part of the canonical form") {
  Record a = sample(), b = sample();
  a.given_name = "ab";
  a.family_name = "c";
  b.given_name = "a";
  b.family_name = "bc";
  CHECK_FALSE(hash_record(a) == hash_record(b));
}

TEST_CASE("Hash128 bytes round-trip") {
  Hash128 h = hash_record(sample());
  unsigned char bytes[16];
  h.to_bytes(bytes);
  CHECK(Hash128::from_bytes(bytes) == h);
}
