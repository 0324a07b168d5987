// HttpServer against a real loopback socket, driven with libcurl.
#include "api/http_server.h"

#include <curl/curl.h>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace {

struct Fetched {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::string headers;
};

size_t append_to(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

Fetched fetch(const std::string& url, const char* method = "GET", const std::string* body = nullptr,
              bool chunked = false) {
  Fetched f;
  CURL* c = curl_easy_init();
  REQUIRE(c != nullptr);
  curl_slist* hdrs = curl_slist_append(nullptr, "X-Test: Hello");
  if (chunked) hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &append_to);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &f.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &append_to);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &f.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
    if (!chunked) curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  f.code = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f.status);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(c);
  return f;
}

crm::ServerResponse echo(const crm::ServerRequest& req) {
  if (req.path == "/drop") {
    crm::ServerResponse r;
    r.drop_connection = true;
    return r;
  }
  if (req.path == "/throw") throw std::runtime_error("boom \"quoted\"");
  if (req.path == "/cut") {
    auto r = crm::ServerResponse::json(200, R"({"data":[1,2,3,4,5,6,7,8,9]})");
    r.cut_after_bytes = 10;
    return r;
  }
  if (req.path == "/stream") {
    auto r = crm::ServerResponse::json(200, "");
    r.stream = [n = 0](std::string& out) mutable {
      if (n == 3) return false;
      out = fmt::format("line {}\n", n++);
      return true;
    };
    return r;
  }
  std::string q;
  for (const auto& [k, v] : req.query) q += fmt::format("{}={};", k, v);
  auto r = crm::ServerResponse::json(
      201, fmt::format("{}|{}|{}|{}|{}", req.method, req.path, q, req.header("X-TEST"), req.body));
  r.headers.emplace_back("X-Reply", "yes");
  return r;
}

}  // namespace

TEST_CASE("HttpServer serves, decodes, limits and injects faults") {
  crm::HttpServerOptions opts;
  opts.port = 0;
  opts.threads = 2;
  opts.max_body_bytes = 16;
  crm::HttpServer server(opts, echo);
  REQUIRE(server.start().ok());
  REQUIRE(server.port() != 0);
  const std::string base = fmt::format("http://127.0.0.1:{}", server.port());

  SUBCASE("query decoding keeps order; headers are case-insensitive") {
    auto f = fetch(base + "/a%20b?x=1&y=%C3%A9%2B&x=2&flag");
    REQUIRE(f.code == CURLE_OK);
    CHECK(f.status == 201);
    CHECK(f.body == "GET|/a b|x=1;y=é+;x=2;flag=;|Hello|");
    CHECK(f.headers.find("Content-Type: application/json; charset=utf-8") != std::string::npos);
    CHECK(f.headers.find("X-Reply: yes") != std::string::npos);
  }
  SUBCASE("bodies within the limit arrive; larger ones get 413") {
    std::string small = "0123456789";
    auto ok = fetch(base + "/p", "POST", &small);
    CHECK(ok.status == 201);
    CHECK(ok.body == "POST|/p||Hello|0123456789");
    std::string big(100, 'x');
    auto f = fetch(base + "/p", "POST", &big);
    CHECK(f.status == 413);
    CHECK(f.body.find(R"("code":"too_large")") != std::string::npos);
    auto chunked = fetch(base + "/p", "POST", &big, /*chunked=*/true);
    CHECK(chunked.status == 413);
  }
  SUBCASE("drop closes without an answer") {
    auto f = fetch(base + "/drop");
    CHECK(f.code == CURLE_GOT_NOTHING);
  }
  SUBCASE("cut sends fewer bytes than announced") {
    auto f = fetch(base + "/cut");
    CHECK(f.code == CURLE_PARTIAL_FILE);
    CHECK(f.body == R"({"data":[1)");
  }
  SUBCASE("handler exceptions become 500 JSON") {
    auto f = fetch(base + "/throw");
    CHECK(f.status == 500);
    CHECK(f.body.find(R"(boom \"quoted\")") != std::string::npos);
  }
  SUBCASE("streamed bodies") {
    auto f = fetch(base + "/stream");
    CHECK(f.code == CURLE_OK);
    CHECK(f.body == "line 0\nline 1\nline 2\n");
  }
  server.stop();
}

TEST_CASE("HttpServer reports a port in use and rejects host names") {
  crm::HttpServer first({}, echo);
  REQUIRE(first.start().ok());
  crm::HttpServerOptions same;
  same.port = first.port();
  crm::HttpServer second(same, echo);
  CHECK_FALSE(second.start().ok());

  crm::HttpServerOptions named;
  named.host = "localhost";
  crm::HttpServer third(named, echo);
  auto st = third.start();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == crm::ErrorKind::config);

  crm::HttpServerOptions v6;
  v6.host = "::1";
  crm::HttpServer fourth(v6, echo);
  if (fourth.start().ok()) {  // hosts without IPv6 loopback skip this part
    auto f = fetch(fmt::format("http://[::1]:{}/x?a=b", fourth.port()));
    CHECK(f.status == 201);
  }
}
