#include <doctest/doctest.h>

#include "sync/record_limits.h"

using namespace crm;

TEST_CASE("record limits: NUL bytes go, long fields are cut on a character boundary") {
  Record r;
  r.external_id = "42";
  r.name = std::string(2000, 'a');
  r.company = "Acme\0 GmbH";
  r.company.assign("Acme\0 GmbH", 10);
  r.email = "zo\xc3\xab@example.com";
  // 1023 ASCII bytes then a two-byte "ë": byte 1024 is the middle of it.
  r.given_name = std::string(1023, 'x') + "\xc3\xab" + "tail";
  auto res = apply_record_limits(r);
  CHECK_FALSE(res.rejected);
  CHECK(res.truncated);
  CHECK(r.name.size() == kMaxFieldBytes);
  CHECK(r.company == "Acme GmbH");
  CHECK(r.given_name == std::string(1023, 'x'));
  CHECK(r.email == "zo\xc3\xab@example.com");
  CHECK(res.reason.find("name cut from 2000 to 1024 bytes") != std::string::npos);
  CHECK(res.reason.find("company: NUL bytes removed") != std::string::npos);
  CHECK(res.reason.find("Acme") == std::string::npos);  // no values in the log
}

TEST_CASE("record limits: ids that cannot be cut reject the record; big extra is dropped") {
  Record r;
  r.external_id = std::string(300, '7');
  auto res = apply_record_limits(r);
  CHECK(res.rejected);
  CHECK(res.reason.find("300 bytes") != std::string::npos);
  Record empty;
  CHECK(apply_record_limits(empty).rejected);
  Record e;
  e.external_id = "1";
  e.extra = "{\"notes\":\"" + std::string(100000, 'n') + "\"}";
  auto res2 = apply_record_limits(e);
  CHECK(res2.truncated);
  CHECK(e.extra.empty());
  Record fine;
  fine.external_id = "1";
  fine.name = "Zoë";
  auto ok = apply_record_limits(fine);
  CHECK_FALSE(ok.rejected);
  CHECK_FALSE(ok.truncated);
}
