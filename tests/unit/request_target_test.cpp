// request_target.h: the request-target limits, as tables.
#include "api/request_target.h"

#include <doctest/doctest.h>

#include <string>

using namespace crm;

TEST_CASE("count_query_params counts what libmicrohttpd will store") {
  struct Case {
    std::string target;
    size_t params;
  };
  const Case cases[] = {
      {"/v1/records", 0},          {"/v1/records?", 0},      {"/v1/records?a=1", 1},
      {"/v1/records?a=1&b", 2},    {"/x?&&", 3},             {"/x?a=1&b=2&", 3},
      {"/x?q=a%26b", 1},           {"/x?q=a?b&c", 2},        {"?a&b", 2},
  };
  for (const auto& c : cases) {
    CAPTURE(c.target);
    CHECK(count_query_params(c.target) == c.params);
  }
}

TEST_CASE("check_request_target: 414 past max_bytes, 400 past max_params, 0 is no limit") {
  CHECK_FALSE(check_request_target("/v1/records?a=1&b=2", 64, 2));
  auto many = check_request_target("/v1/records?a&b&c", 64, 2);
  REQUIRE(many);
  CHECK(many->status == 400);
  CHECK(many->code == "too_many_parameters");
  CHECK(many->message == "more than 2 query parameters");
  auto longer = check_request_target("/" + std::string(64, 'a'), 64, 2);
  REQUIRE(longer);
  CHECK(longer->status == 414);
  CHECK(longer->code == "uri_too_long");
  CHECK(longer->message == "the request target is longer than 64 bytes");
  CHECK_FALSE(check_request_target("/" + std::string(63, 'a'), 64, 2));
  // Length first: a long target with many parameters is a 414.
  CHECK(check_request_target("/x?" + std::string(100, '&'), 64, 2)->status == 414);
  CHECK_FALSE(check_request_target("/x?" + std::string(100, '&'), 0, 0));
}
