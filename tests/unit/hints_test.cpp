// Push hints in: each CRM's proof checked against values computed independently (Python's
// hmac and base64, in the comments), the timestamp window, and the scheduler's coalescing
// of a burst of hints into one run.
#include <doctest/doctest.h>

#include "hints/hint_check.h"

using namespace crm;
using namespace std::chrono_literals;

namespace {

ServerRequest post(std::string body, std::vector<std::pair<std::string, std::string>> headers) {
  ServerRequest r;
  r.method = "POST";
  r.path = "/hooks/src";
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

}  // namespace

TEST_CASE("check_hint: HubSpot v3 signature and its 5-minute window") {
  SourceHints h;
  h.type = "hubspot";
  h.secret = Secret("hubspot-client-secret-1234");
  // base64(HMAC-SHA256(secret, "POST" + uri + body + timestamp)), with ':' decoded in the URI
  const std::string sig = "LTB24na76z7qCmSZQLHrqpgw5spKSTEnsRzGWRcZfLk=";
  const std::string url = "https://crm-hooks.acme.example/hooks/hubspot?x=a%3Ab";
  const TimePoint at = from_ms(1764750000000);
  auto req = post(R"([{"objectId":123}])",
                  {{"x-hubspot-signature-v3", sig}, {"x-hubspot-request-timestamp", "1764750000000"}});
  CHECK_FALSE(check_hint(h, req, url, at + 10s));
  CHECK_FALSE(check_hint(h, req, url, at + 4min));
  CHECK(check_hint(h, req, url, at + 6min)->find("5 minutes") != std::string::npos);
  CHECK(check_hint(h, req, url, at - 6min));
  CHECK(check_hint(h, req, "https://crm-hooks.acme.example/hooks/other?x=a%3Ab", at));
  auto tampered = req;
  tampered.body = R"([{"objectId":124}])";
  CHECK(*check_hint(h, tampered, url, at) == "X-HubSpot-Signature-v3 does not match");
  auto unsigned_req = post(req.body, {});
  CHECK(check_hint(h, unsigned_req, url, at));
  CHECK(hubspot_v3_source("POST", "https://h/x%3a%2F%20y", "b", "1") == "POSThttps://h/x:/%20yb1");
}

TEST_CASE("check_hint: basic, hmac, header and zoho") {
  SourceHints basic;
  basic.type = "basic";
  basic.username = "pipedrive";
  basic.password = Secret("pd-pass-9");
  CHECK_FALSE(check_hint(basic, post("{}", {{"authorization", "Basic cGlwZWRyaXZlOnBkLXBhc3MtOQ=="}}), "", {}));
  CHECK_FALSE(check_hint(basic, post("{}", {{"authorization", "basic cGlwZWRyaXZlOnBkLXBhc3MtOQ=="}}), "", {}));
  CHECK(check_hint(basic, post("{}", {{"authorization", "Basic cGlwZWRyaXZlOndyb25n"}}), "", {}));
  CHECK(check_hint(basic, post("{}", {}), "", {}));

  SourceHints mac;
  mac.type = "hmac";
  mac.header = "x-signature";
  mac.prefix = "sha256=";
  mac.secret = Secret("legacy-key-42");
  const std::string good = "sha256=e272ce59a2bc7300ad95f52efc0d13c6ac3b39167e08062715a39b88733fa642";
  CHECK_FALSE(check_hint(mac, post(R"({"ids":[1,2]})", {{"x-signature", good}}), "", {}));
  CHECK(check_hint(mac, post(R"({"ids":[1,3]})", {{"x-signature", good}}), "", {}));
  CHECK(check_hint(mac, post(R"({"ids":[1,2]})", {{"x-signature", good.substr(7)}}), "", {}));  // no prefix
  mac.encoding = "base64";
  CHECK(check_hint(mac, post(R"({"ids":[1,2]})", {{"x-signature", good}}), "", {}));

  SourceHints header;
  header.type = "header";
  header.header = "x-crm-key";
  header.value = Secret("dyn-key-77");
  CHECK_FALSE(check_hint(header, post("{}", {{"x-crm-key", "dyn-key-77"}}), "", {}));
  CHECK(check_hint(header, post("{}", {{"x-crm-key", "dyn-key-78"}}), "", {}));

  SourceHints zoho;
  zoho.type = "zoho";
  zoho.token = Secret("zoho-channel-token");
  CHECK_FALSE(check_hint(zoho, post(R"({"ids":["1"],"token":"zoho-channel-token"})", {}), "", {}));
  CHECK(check_hint(zoho, post(R"({"ids":["1"],"token":"other"})", {}), "", {}));
  CHECK(check_hint(zoho, post("not json", {}), "", {}));

  SourceHints query;
  query.type = "query";
  query.param = "key";
  query.value = Secret("odoo-key-5");
  auto with_key = post("{}", {});
  with_key.query = {{"key", "odoo-key-5"}};
  CHECK_FALSE(check_hint(query, with_key, "", {}));
  with_key.query = {{"key", "odoo-key-6"}};
  CHECK(check_hint(query, with_key, "", {}));
  CHECK(check_hint(query, post("{}", {}), "", {}));

  SourceHints none;
  CHECK(check_hint(none, post("{}", {}), "", {}));
}

TEST_CASE("called_url: public_url wins over Host; the query as received") {
  ServerRequest r = post("", {{"host", "10.0.0.5:8788"}});
  r.query = {{"portal", "62515"}};
  CHECK(called_url(r, "") == "http://10.0.0.5:8788/hooks/src?portal=62515");
  CHECK(called_url(r, "https://crm-hooks.acme.example") == "https://crm-hooks.acme.example/hooks/src?portal=62515");
}
