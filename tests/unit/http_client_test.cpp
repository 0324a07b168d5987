// HttpClient against a real HttpServer on 127.0.0.1 (port 0), with FakeClock and
// FakeSleeper: no test really waits. Plus the pure helpers (url_encode, retry policy,
// OAuth token parsing) as tables.
#include "http/http_client.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "http/oauth2_token.h"
#include "http/origin.h"
#include "http/rate_limiter.h"
#include "http/retry_policy.h"
#include "http/sleeper.h"

using namespace crm;
using namespace std::chrono_literals;

namespace {

// 2025-11-20T09:14:03Z: whole seconds, so HTTP-dates built from it are exact.
const TimePoint kT0 = from_ms(1'763'630'043'000);

// A loopback server that records every request and answers with `respond`.
class TestServer {
 public:
  using Responder = std::function<ServerResponse(const ServerRequest&)>;
  explicit TestServer(Responder respond)
      : respond_(std::move(respond)), server_(HttpServerOptions{}, [this](const ServerRequest& r) {
          {
            std::lock_guard lock(mu_);
            requests_.push_back(r);
          }
          return respond_(r);
        }) {
    auto started = server_.start();
    REQUIRE(started.ok());
  }
  std::string url(std::string_view path) const {
    return fmt::format("http://127.0.0.1:{}{}", server_.port(), path);
  }
  std::vector<ServerRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t count(std::string_view path) {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& r : requests_) n += r.path == path;
    return n;
  }
  ServerRequest last(std::string_view path) {
    std::lock_guard lock(mu_);
    for (auto it = requests_.rbegin(); it != requests_.rend(); ++it)
      if (it->path == path) return *it;
    FAIL("no request to ", path);
    return {};
  }

 private:
  Responder respond_;
  std::mutex mu_;
  std::vector<ServerRequest> requests_;
  HttpServer server_;  // last: stopped before the members its handler uses are gone
};

// Clock, sleeper and an effectively unlimited bucket, so that waits are the client's own.
struct Rig {
  FakeClock clock{kT0};
  FakeSleeper sleeper{&clock};
  std::shared_ptr<RateLimiter> limiter = std::make_shared<RateLimiter>(1e9, 1e9, clock);

  std::unique_ptr<HttpClient> client(AuthConfig auth = {}, HttpClientOptions options = {}) {
    return std::make_unique<HttpClient>(std::move(options), std::move(auth), limiter, sleeper,
                                        clock);
  }
};

// A port with nothing listening: bound by us, then released.
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// application/x-www-form-urlencoded → pairs (what a token endpoint reads).
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view body) {
  auto decode = [](std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') {
        out += ' ';
      } else if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  };
  std::vector<std::pair<std::string, std::string>> out;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view field = body.substr(0, amp);
    size_t eq = field.find('=');
    out.emplace_back(decode(field.substr(0, eq)),
                     eq == std::string_view::npos ? "" : decode(field.substr(eq + 1)));
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
  }
  return out;
}

std::string form_value(const std::vector<std::pair<std::string, std::string>>& form,
                       std::string_view name) {
  for (const auto& [k, v] : form)
    if (k == name) return v;
  return "<absent>";
}

ServerResponse text(int status, std::string body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  ServerResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

uint32_t crc32(std::string_view data) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

// A valid gzip member holding one "stored" (uncompressed) deflate block (RFC 1951 §3.2.4,
// RFC 1952): enough to test decoding without linking zlib. data must be < 64 KiB.
std::string gzip_stored(std::string_view data) {
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  auto le16 = [&](uint32_t v) {
    out += static_cast<char>(v & 0xff);
    out += static_cast<char>((v >> 8) & 0xff);
  };
  out += '\x01';  // BFINAL=1, BTYPE=00
  le16(static_cast<uint32_t>(data.size()));
  le16(~static_cast<uint32_t>(data.size()) & 0xffff);
  out += data;
  uint32_t crc = crc32(data), size = static_cast<uint32_t>(data.size());
  le16(crc & 0xffff);
  le16(crc >> 16);
  le16(size & 0xffff);
  le16(size >> 16);
  return out;
}

class StoppedSleeper final : public Sleeper {
 public:
  bool sleep_for(Millis) override { return false; }
  void stop() override {}
  bool stopped() const override { return false; }
};

AuthConfig oauth2_client_credentials(const std::string& token_url) {
  AuthConfig a;
  a.type = "oauth2";
  a.grant = "client_credentials";
  a.token_url = token_url;
  a.client_id = "client-abc";
  a.client_secret = Secret("s3cret-CLIENT-value");
  a.scope = "https://acme.crm4.dynamics.com/.default";
  return a;
}

// A token endpoint handing out tok-1, tok-2, … and an API that accepts only tokens the
// test marks as good (all of them unless `good` says otherwise).
struct OAuthServer {
  std::atomic<int> issued{0};
  std::atomic<int> expires_in{3600};  // < 0: omit expires_in (Salesforce)
  std::function<bool(const std::string& authorization)> good = [](const std::string&) {
    return true;
  };
  TestServer server{[this](const ServerRequest& r) {
    if (r.path == "/token") {
      int n = ++issued;
      std::string expiry =
          expires_in < 0 ? "" : fmt::format(R"(,"expires_in":{})", expires_in.load());
      return ServerResponse::json(
          200,
          fmt::format(
              R"({{"access_token":"tok-{}","token_type":"bearer","instance_url":"https://x"{}}})",
              n, expiry));
    }
    if (!good(std::string(r.header("authorization"))))
      return ServerResponse::json(
          401, R"([{"errorCode":"INVALID_SESSION_ID","message":"Session expired"}])");
    return ServerResponse::json(200, R"({"ok":true})");
  }};
};

}  // namespace

// ---------------------------------------------------------------------------- pure parts

TEST_CASE("http client: url_encode keeps RFC 3986 unreserved characters only") {
  struct Case {
    std::string in, out;
  };
  for (const auto& c : std::vector<Case>{
           {"", ""},
           {"abcXYZ019-._~", "abcXYZ019-._~"},
           {"a b", "a%20b"},
           {"a+b=c&d", "a%2Bb%3Dc%26d"},
           {"/?#[]@!$'()*,;:", "%2F%3F%23%5B%5D%40%21%24%27%28%29%2A%2C%3B%3A"},
           {"%", "%25"},
           {"Zoë", "Zo%C3%AB"},
           {std::string("\0\x7f", 2), "%00%7F"},
       }) {
    CAPTURE(c.in);
    CHECK(url_encode(c.in) == c.out);
  }
}

TEST_CASE("http client: HttpResponse::header is case-insensitive and returns the first") {
  HttpResponse r;
  r.headers = {{"content-type", "application/json"}, {"x-dup", "1"}, {"x-dup", "2"}};
  CHECK(r.header("Content-Type") == "application/json");
  CHECK(r.header("X-DUP") == "1");
  CHECK(r.header("missing").empty());
}

TEST_CASE("http client: retryable statuses") {
  for (long s : {429L, 500L, 502L, 503L, 504L}) CHECK(is_retryable_status(s));
  for (long s : {200L, 301L, 400L, 401L, 403L, 404L, 501L, 505L})
    CHECK_FALSE(is_retryable_status(s));
}

TEST_CASE("http client: backoff doubles from the base and stops at the cap") {
  struct Case {
    int failed;
    Millis expected;
  };
  for (const auto& c : std::vector<Case>{
           {1, 500ms}, {2, 1000ms}, {3, 2000ms}, {4, 4000ms}, {8, 60000ms}, {1000, 60000ms}}) {
    CAPTURE(c.failed);
    CHECK(backoff_delay(c.failed, 500ms, 60s) == c.expected);
  }
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200; ++i) {
    Millis d = jittered(1000ms, rng);
    CHECK(d >= 500ms);
    CHECK(d <= 1000ms);
  }
}

TEST_CASE("http client: Retry-After as delta-seconds or HTTP-date") {
  struct Case {
    std::string value;
    std::optional<Millis> expected;
  };
  for (const auto& c : std::vector<Case>{
           {"2", 2000ms},
           {" 0 ", 0ms},
           {"120", 120000ms},
           {"Thu, 20 Nov 2025 09:14:08 GMT", 5000ms},  // kT0 + 5 s
           {"Thu, 20 Nov 2025 09:00:00 GMT", 0ms},     // in the past
           {"soon", std::nullopt},
           {"-1", std::nullopt},
           {"1.5", std::nullopt},
           {"", std::nullopt},
       }) {
    CAPTURE(c.value);
    CHECK(parse_retry_after(c.value, kT0) == c.expected);
  }
  CHECK(parse_retry_after("99999999999999999999999", kT0) == Millis::max());
}

TEST_CASE("http client: oauth2 token request bodies") {
  AuthConfig a = oauth2_client_credentials("http://x/token");
  auto cc = token_request_body(a, "");
  REQUIRE(cc.ok());
  CHECK(*cc ==
        "grant_type=client_credentials&client_id=client-abc&client_secret=s3cret-CLIENT-value"
        "&scope=https%3A%2F%2Facme.crm4.dynamics.com%2F.default");

  a.grant = "refresh_token";
  a.scope.clear();
  auto rt = token_request_body(a, "rt/1");
  REQUIRE(rt.ok());
  CHECK(*rt ==
        "grant_type=refresh_token&refresh_token=rt%2F1&client_id=client-abc&client_secret=s3cret-"
        "CLIENT-value");
  CHECK(token_request_body(a, "").error().kind == ErrorKind::config);

  a.grant = "password";
  auto bad = token_request_body(a, "x");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::config);
}

TEST_CASE("http client: oauth2 token responses and error bodies") {
  auto full = parse_token_response(
      R"({"access_token":"abc","token_type":"Bearer","expires_in":3600,"refresh_token":"r2"})");
  REQUIRE(full.ok());
  CHECK(full->access_token == "abc");
  CHECK(full->expires_in == Millis{3600000});
  CHECK(full->refresh_token == "r2");
  // Microsoft v1 endpoints send numbers as strings; Salesforce sends no expires_in.
  CHECK(parse_token_response(R"({"access_token":"a","expires_in":"3599"})")->expires_in ==
        Millis{3599000});
  CHECK_FALSE(parse_token_response(R"({"access_token":"a","instance_url":"https://x"})")
                  ->expires_in.has_value());

  auto zoho = parse_token_response(R"({"error":"invalid_code"})");  // Zoho: HTTP 200 with an error
  REQUIRE_FALSE(zoho.ok());
  CHECK(zoho.error().kind == ErrorKind::auth);
  CHECK(zoho.error().message.find("invalid_code") != std::string::npos);
  CHECK_FALSE(parse_token_response("<html>").ok());

  CHECK(oauth_error_detail(R"({"error":"invalid_grant","error_description":"expired"})") ==
        "invalid_grant: expired");
  CHECK(oauth_error_detail(R"({"error":"invalid_client"})") == "invalid_client");
  CHECK(oauth_error_detail(R"({"error":{"message":"bad key"}})") == "bad key");
  CHECK(oauth_error_detail(R"({"message":"nope"})") == "nope");
  CHECK(oauth_error_detail("Bad Request") == "");
}

TEST_CASE("http client: cached oauth2 token honours expires_in with a 60 s margin") {
  OAuth2Token t;
  CHECK_FALSE(t.valid(kT0));
  t.set(TokenResponse{"abc", "bearer", 3600s, "", ""}, kT0);
  CHECK(t.authorization() == "Bearer abc");
  CHECK(t.valid(kT0 + 3539s));
  CHECK_FALSE(t.valid(kT0 + 3540s));
  t.set(TokenResponse{"short", "", 60s, "", ""}, kT0);  // short-lived: dropped halfway
  CHECK(t.valid(kT0 + 29s));
  CHECK_FALSE(t.valid(kT0 + 30s));
  t.set(TokenResponse{"forever", "", std::nullopt, "", ""}, kT0);
  CHECK(t.valid(kT0 + 24h * 365));
  t.invalidate();
  CHECK_FALSE(t.valid(kT0));
}

// ---------------------------------------------------------------------------- retries

TEST_CASE("http client: a 503 is retried after a jittered backoff, then succeeds") {
  std::atomic<int> n{0};
  TestServer server([&](const ServerRequest&) {
    return ++n == 1 ? text(503, "busy") : ServerResponse::json(200, R"({"ok":true})");
  });
  Rig rig;
  auto client = rig.client();
  auto r = client->get(server.url("/v1/items?page=2"));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == R"({"ok":true})");
  CHECK(r->header("Content-Type") == "application/json; charset=utf-8");
  CHECK(r->url == server.url("/v1/items?page=2"));
  CHECK(n == 2);
  CHECK(rig.sleeper.calls == 1);
  CHECK(rig.sleeper.total >= 250ms);  // base 500 ms, full jitter [d/2, d]
  CHECK(rig.sleeper.total <= 500ms);
  CHECK(client->stats().requests == 2);
  CHECK(client->stats().retries == 1);
}

TEST_CASE("http client: 429 with Retry-After in seconds waits exactly that long") {
  std::atomic<int> n{0};
  TestServer server([&](const ServerRequest&) {
    return ++n == 1 ? text(429, "slow down", {{"Retry-After", "2"}}) : text(200, "ok");
  });
  Rig rig;
  auto r = rig.client()->get(server.url("/x"));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(rig.sleeper.total == 2s);
  CHECK(rig.sleeper.calls == 1);
}

TEST_CASE("http client: 429 with Retry-After as an HTTP-date waits until then") {
  std::atomic<int> n{0};
  std::string date = format_with_pattern(kT0 + 3s, "%a, %d %b %Y %H:%M:%S GMT");
  TestServer server([&](const ServerRequest&) {
    return ++n == 1 ? text(429, "slow down", {{"Retry-After", date}}) : text(200, "ok");
  });
  Rig rig;
  auto r = rig.client()->get(server.url("/x"));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(rig.sleeper.total == 3s);
}

TEST_CASE("http client: Retry-After beyond retry_after_max returns the 429 without waiting") {
  TestServer server([&](const ServerRequest&) {
    return text(429, R"({"message":"daily quota exceeded"})", {{"Retry-After", "3600"}});
  });
  Rig rig;
  HttpClientOptions o;
  o.retry_after_max = 5min;
  auto client = rig.client({}, o);
  auto r = client->get(server.url("/x"));
  REQUIRE(r.ok());
  CHECK(r->status == 429);
  CHECK(r->body == R"({"message":"daily quota exceeded"})");
  CHECK(r->header("retry-after") == "3600");
  CHECK(r->retry_after_s == 3600.0);  // for the connector's Error, and so the scheduler
  CHECK(rig.sleeper.calls == 0);
  CHECK(server.count("/x") == 1);
  CHECK(client->stats().retries == 0);
}

TEST_CASE("http client: after max_attempts the last response is returned with its body") {
  std::atomic<int> n{0};
  TestServer server([&](const ServerRequest&) { return text(503, fmt::format("down #{}", ++n)); });
  Rig rig;
  HttpClientOptions o;
  o.max_attempts = 4;
  o.backoff_base = 100ms;
  o.backoff_max = 250ms;
  auto client = rig.client({}, o);
  auto r = client->get(server.url("/x"));
  REQUIRE(r.ok());
  CHECK(r->status == 503);
  CHECK(r->body == "down #4");
  CHECK(server.count("/x") == 4);
  CHECK(rig.sleeper.calls == 3);  // no wait after the last attempt
  // 100, 200, 250 (capped), each jittered to [d/2, d].
  CHECK(rig.sleeper.total >= 275ms);
  CHECK(rig.sleeper.total <= 550ms);
  CHECK(client->stats().retries == 3);
}

TEST_CASE("http client: statuses that a retry will not fix are returned at once") {
  TestServer server([&](const ServerRequest& r) {
    if (r.path == "/redirect") return text(302, "", {{"Location", "http://elsewhere.example/"}});
    return ServerResponse::json(404, R"({"error":"no such object"})");
  });
  Rig rig;
  auto client = rig.client();
  auto nf = client->get(server.url("/missing"));
  REQUIRE(nf.ok());
  CHECK(nf->status == 404);
  // A redirect to another origin is not followed (the credentials would travel there).
  auto redirect = client->get(server.url("/redirect"));
  REQUIRE_FALSE(redirect.ok());
  CHECK(redirect.error().message.find("redirect to http://elsewhere.example:80") != std::string::npos);
  CHECK(rig.sleeper.calls == 0);
  CHECK(server.requests().size() == 2);
}

TEST_CASE("http client: connection refused is a transient error without the query string") {
  Rig rig;
  AuthConfig auth;
  auth.type = "api_key";
  auth.in = "query";
  auth.name = "api_key";
  auth.value = Secret("KEY-in-query-123");
  HttpClientOptions o;
  o.max_attempts = 3;
  auto client = rig.client(auth, o);
  std::string url = fmt::format("http://127.0.0.1:{}/v1/items", free_port());
  auto r = client->get(url + "?since=2025-01-01");
  REQUIRE_FALSE(r.ok());
  const auto& e = r.error();
  CHECK(e.kind == ErrorKind::transient);
  CHECK(e.message == "GET " + url + ": connection refused (after 3 attempts)");
  CHECK(e.message.find('?') == std::string::npos);
  CHECK(e.message.find("KEY-in-query-123") == std::string::npos);
  CHECK(rig.sleeper.calls == 2);
  CHECK(client->stats().requests == 3);
}

TEST_CASE("http client: user-info and fragments never reach an error message") {
  Rig rig;
  HttpClientOptions o;
  o.max_attempts = 1;
  uint16_t port = free_port();
  auto r = rig.client({}, o)->get(fmt::format("http://svc:pw-in-url@127.0.0.1:{}/a/b#frag", port));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == fmt::format("GET http://127.0.0.1:{}/a/b: connection refused", port));
}

TEST_CASE("http client: a dropped connection is retried") {
  std::atomic<int> n{0};
  TestServer server([&](const ServerRequest&) {
    ServerResponse r = text(200, "second time lucky");
    r.drop_connection = ++n == 1;
    return r;
  });
  Rig rig;
  auto client = rig.client();
  auto r = client->get(server.url("/x"));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == "second time lucky");
  CHECK(n == 2);
  CHECK(client->stats().retries == 1);
}

TEST_CASE("http client: a body cut short is retried, then the last failure reported") {
  TestServer server([&](const ServerRequest&) {
    ServerResponse r = text(200, std::string(100000, 'x'));
    r.cut_after_bytes = 10;
    return r;
  });
  Rig rig;
  HttpClientOptions o;
  o.max_attempts = 2;
  auto r = rig.client({}, o)->get(server.url("/big"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::transient);
  CHECK(r.error().message.find("(after 2 attempts)") != std::string::npos);
  CHECK(server.count("/big") == 2);
}

TEST_CASE("http client: a stopped sleeper interrupts the retry loop") {
  TestServer server([&](const ServerRequest&) { return text(503, "down"); });
  FakeClock clock{kT0};
  StoppedSleeper sleeper;
  auto limiter = std::make_shared<RateLimiter>(1e9, 1e9, clock);
  HttpClient client({}, {}, limiter, sleeper, clock);
  auto r = client.get(server.url("/x"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "interrupted");
  CHECK(r.error().kind == ErrorKind::interrupted);  // told apart by kind, not by its words
  CHECK(server.count("/x") == 1);
}

TEST_CASE("http client: every attempt takes a token from the rate limiter") {
  std::atomic<int> n{0};
  TestServer server(
      [&](const ServerRequest&) { return ++n < 3 ? text(500, "") : text(200, "ok"); });
  FakeClock clock{kT0};
  FakeSleeper sleeper{&clock};
  auto limiter = std::make_shared<RateLimiter>(1.0, 1.0, clock);  // one request per second
  HttpClientOptions o;
  o.backoff_base = 0ms;  // only the bucket makes us wait
  HttpClient client(o, {}, limiter, sleeper, clock);
  auto r = client.get(server.url("/x"));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(sleeper.total == 2s);  // attempts 2 and 3 each waited one second for a token
}

TEST_CASE("http client: a request naming a bucket also waits for that bucket") {
  TestServer server([](const ServerRequest&) { return text(200, "ok"); });
  Rig rig;  // the source's own bucket is effectively unlimited
  auto client = rig.client();
  client->add_bucket("search", 2.0);  // two per second, burst 1
  for (int i = 0; i < 5; ++i) {
    HttpRequest req{"GET", server.url("/search"), {}, {}};
    req.bucket = "search";
    REQUIRE(client->send(req).ok());
  }
  CHECK(rig.sleeper.total == 2000ms);  // requests 2..5 each waited half a second
  auto plain = client->get(server.url("/list"));  // no bucket named: no wait
  REQUIRE(plain.ok());
  CHECK(rig.sleeper.total == 2000ms);
  HttpRequest unknown{"GET", server.url("/x"), {}, {}};
  unknown.bucket = "nope";
  auto r = client->send(unknown);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("nope") != std::string::npos);
}

TEST_CASE("http client: a final answer is returned without retrying") {
  std::atomic<int> n{0};
  TestServer server([&](const ServerRequest&) {
    ++n;
    return text(429, R"({"policyName":"DAILY"})");
  });
  Rig rig;
  auto client = rig.client();
  HttpRequest req{"GET", server.url("/x"), {}, {}};
  req.final_answer = [](const HttpResponse& r) { return r.body.find("DAILY") != std::string::npos; };
  auto r = client->send(req);
  REQUIRE(r.ok());
  CHECK(r->status == 429);
  CHECK(n == 1);
  CHECK(rig.sleeper.calls == 0);
}

// ---------------------------------------------------------------------------- what goes out

TEST_CASE("http client: static auth kinds put credentials where the server expects them") {
  TestServer server([&](const ServerRequest&) { return text(200, "ok"); });
  Rig rig;

  SUBCASE("bearer") {
    AuthConfig a;
    a.type = "bearer";
    a.token = Secret("pat-na1-0123");
    REQUIRE(rig.client(a)->get(server.url("/b")).ok());
    CHECK(server.last("/b").header("authorization") == "Bearer pat-na1-0123");
  }
  SUBCASE("api_key in a header") {
    AuthConfig a;
    a.type = "api_key";
    a.name = "x-api-token";
    a.value = Secret("pd-key");
    REQUIRE(rig.client(a)->get(server.url("/h")).ok());
    CHECK(server.last("/h").header("x-api-token") == "pd-key");
    CHECK(server.last("/h").header("authorization").empty());
  }
  SUBCASE("api_key in the query, url-encoded, after the caller's own parameters") {
    AuthConfig a;
    a.type = "api_key";
    a.in = "query";
    a.name = "api_token";
    a.value = Secret("k&y=1 2");
    auto r = rig.client(a)->get(server.url("/q?limit=5"));
    REQUIRE(r.ok());
    ServerRequest got = server.last("/q");
    CHECK(got.param("limit") == "5");
    CHECK(got.param("api_token") == "k&y=1 2");
    CHECK(r->url.find("api_token") == std::string::npos);  // the response keeps the caller's URL
  }
  SUBCASE("basic") {
    AuthConfig a;
    a.type = "basic";
    a.username = "Aladdin";
    a.password = Secret("open sesame");
    REQUIRE(rig.client(a)->get(server.url("/basic")).ok());
    CHECK(server.last("/basic").header("authorization") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  }
  SUBCASE("none and odoo send no credentials") {
    for (std::string type : {"", "odoo"}) {
      AuthConfig a;
      a.type = type;
      a.username = "u";
      a.password = Secret("p4ssword");
      REQUIRE(rig.client(a)->get(server.url("/none")).ok());
      CHECK(server.last("/none").header("authorization").empty());
    }
  }
}

TEST_CASE("http client: default headers, request headers, user agent, gzip and a POST body") {
  TestServer server([&](const ServerRequest& r) {
    if (r.path == "/gz") {
      return text(200, gzip_stored(R"({"items":[1,2,3]})"),
                  {{"Content-Encoding", "gzip"}, {"Content-Type", "application/json"}});
    }
    return text(200, "ok");
  });
  Rig rig;
  HttpClientOptions o;
  o.default_headers = {{"Accept", "application/json"}, {"X-Tenant", "default"}};
  auto client = rig.client({}, o);

  REQUIRE(client->send({"GET", server.url("/h"), {{"x-tenant", "override"}}, ""}).ok());
  ServerRequest h = server.last("/h");
  CHECK(h.header("accept") == "application/json");
  CHECK(h.header("x-tenant") == "override");
  CHECK(h.header("user-agent") == "crm-index/0.1");
  CHECK(h.header("accept-encoding").find("gzip") != std::string_view::npos);

  auto gz = client->get(server.url("/gz"));
  REQUIRE(gz.ok());
  CHECK(gz->body == R"({"items":[1,2,3]})");

  std::string big(5000, 'a');  // large enough that curl would otherwise send Expect: 100-continue
  auto post =
      client->send({"POST", server.url("/rpc"), {{"Content-Type", "application/json"}}, big});
  REQUIRE(post.ok());
  ServerRequest p = server.last("/rpc");
  CHECK(p.method == "POST");
  CHECK(p.body == big);
  CHECK(p.header("content-type") == "application/json");
  CHECK(p.header("expect").empty());

  // The handle is reused: a GET after a POST must not carry the old body or method.
  REQUIRE(client->get(server.url("/after")).ok());
  CHECK(server.last("/after").method == "GET");
  CHECK(server.last("/after").body.empty());

  REQUIRE(client->send({"PATCH", server.url("/patch"), {}, "{}"}).ok());
  CHECK(server.last("/patch").method == "PATCH");
  CHECK(server.last("/patch").body == "{}");
}

TEST_CASE("http client: a credential with a line break is refused, not sent") {
  TestServer server([&](const ServerRequest&) { return text(200, "ok"); });
  Rig rig;
  AuthConfig a;
  a.type = "bearer";
  a.token = Secret("token-from-file\nX-Injected: 1");
  auto r = rig.client(a)->get(server.url("/x"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::config);
  CHECK(r.error().message.find("token-from-file") == std::string::npos);
  CHECK(server.requests().empty());
}

// ---------------------------------------------------------------------------- oauth2

TEST_CASE("http client: oauth2 client_credentials token is fetched once and cached") {
  OAuthServer oauth;
  Rig rig;
  auto client = rig.client(oauth2_client_credentials(oauth.server.url("/token")));
  for (int i = 0; i < 3; ++i) {
    auto r = client->get(oauth.server.url("/api"));
    REQUIRE(r.ok());
    CHECK(r->status == 200);
  }
  CHECK(oauth.server.count("/token") == 1);
  CHECK(oauth.server.count("/api") == 3);
  CHECK(oauth.server.last("/api").header("authorization") == "Bearer tok-1");
  CHECK(client->stats().token_refreshes == 1);
  CHECK(client->stats().requests == 4);

  ServerRequest t = oauth.server.last("/token");
  CHECK(t.method == "POST");
  CHECK(t.header("content-type") == "application/x-www-form-urlencoded");
  CHECK(t.header("authorization").empty());
  auto form = parse_form(t.body);
  CHECK(form_value(form, "grant_type") == "client_credentials");
  CHECK(form_value(form, "client_id") == "client-abc");
  CHECK(form_value(form, "client_secret") == "s3cret-CLIENT-value");
  CHECK(form_value(form, "scope") == "https://acme.crm4.dynamics.com/.default");
  CHECK(client->last_token_response().find("\"instance_url\":\"https://x\"") != std::string::npos);
}

TEST_CASE("http client: oauth2 token is refetched 60 s before expires_in runs out") {
  OAuthServer oauth;
  Rig rig;
  auto client = rig.client(oauth2_client_credentials(oauth.server.url("/token")));
  REQUIRE(client->get(oauth.server.url("/api")).ok());
  rig.clock.advance(3539s);
  REQUIRE(client->get(oauth.server.url("/api")).ok());
  CHECK(oauth.server.count("/token") == 1);
  rig.clock.advance(2s);
  REQUIRE(client->get(oauth.server.url("/api")).ok());
  CHECK(oauth.server.count("/token") == 2);
  CHECK(oauth.server.last("/api").header("authorization") == "Bearer tok-2");

  client->invalidate_token();
  REQUIRE(client->get(oauth.server.url("/api")).ok());
  CHECK(oauth.server.count("/token") == 3);
}

TEST_CASE("http client: oauth2 token without expires_in is kept until a 401") {
  OAuthServer oauth;
  oauth.expires_in = -1;  // Salesforce
  oauth.good = [](const std::string& authz) { return authz != "Bearer tok-1"; };
  Rig rig;
  auto client = rig.client(oauth2_client_credentials(oauth.server.url("/token")));
  rig.clock.advance(24h * 30);
  // tok-1 is refused: one refresh, one retry with tok-2.
  auto r = client->get(oauth.server.url("/api"));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(oauth.server.count("/token") == 2);
  CHECK(oauth.server.count("/api") == 2);
  CHECK(client->stats().token_refreshes == 2);
  rig.clock.advance(24h * 30);
  REQUIRE(client->get(oauth.server.url("/api")).ok());
  CHECK(oauth.server.count("/token") == 2);
}

TEST_CASE("http client: a persistent 401 is returned after exactly one refresh") {
  OAuthServer oauth;
  Rig rig;
  auto client = rig.client(oauth2_client_credentials(oauth.server.url("/token")));
  REQUIRE(client->get(oauth.server.url("/api"))->status == 200);  // token cached
  oauth.good = [](const std::string&) { return false; };          // then revoked for good
  auto r = client->get(oauth.server.url("/api"));
  REQUIRE(r.ok());
  CHECK(r->status == 401);
  CHECK(r->body.find("INVALID_SESSION_ID") != std::string::npos);
  CHECK(oauth.server.count("/token") == 2);  // the first fetch, plus one refresh
  CHECK(oauth.server.count("/api") == 3);    // the success, the 401, the one retry
  CHECK(rig.sleeper.calls == 0);
}

TEST_CASE("http client: oauth2 refresh_token grant sends the refresh form and follows rotation") {
  std::atomic<int> n{0};
  TestServer server([&](const ServerRequest& r) {
    if (r.path == "/oauth/v2/token") {
      ++n;
      return ServerResponse::json(
          200,
          fmt::format(
              R"({{"access_token":"zt-{}","expires_in":3600,"refresh_token":"rt-rotated-{}"}})",
              n.load(), n.load()));
    }
    return text(200, "ok");
  });
  Rig rig;
  AuthConfig a;
  a.type = "oauth2";
  a.grant = "refresh_token";
  a.token_url = server.url("/oauth/v2/token");
  a.client_id = "1000.ABC";
  a.client_secret = Secret("zoho-client-secret");
  a.refresh_token = Secret("1000.refresh.original");
  auto client = rig.client(a);
  REQUIRE(client->get(server.url("/crm/v5/Contacts"))->status == 200);
  auto form = parse_form(server.last("/oauth/v2/token").body);
  CHECK(form_value(form, "grant_type") == "refresh_token");
  CHECK(form_value(form, "refresh_token") == "1000.refresh.original");
  CHECK(form_value(form, "client_id") == "1000.ABC");
  CHECK(form_value(form, "client_secret") == "zoho-client-secret");
  CHECK(form_value(form, "scope") == "<absent>");
  CHECK(server.last("/crm/v5/Contacts").header("authorization") == "Bearer zt-1");

  client->invalidate_token();
  REQUIRE(client->get(server.url("/crm/v5/Contacts")).ok());
  CHECK(form_value(parse_form(server.last("/oauth/v2/token").body), "refresh_token") ==
        "rt-rotated-1");
}

TEST_CASE(
    "http client: a token endpoint 400 is an auth error with the vendor's words and no secret") {
  const std::string secret = "s3cret-CLIENT-value";
  const std::string refresh = "1000.refresh.must-not-leak";
  TestServer server([&](const ServerRequest& r) {
    if (r.path == "/token")
      return ServerResponse::json(
          400,
          R"({"error":"invalid_grant","error_description":"refresh token expired or revoked"})");
    return text(200, "ok");
  });
  Rig rig;
  AuthConfig a = oauth2_client_credentials(server.url("/token?tenant=acme&key=qs-secret"));
  a.grant = "refresh_token";
  a.refresh_token = Secret(refresh);
  auto client = rig.client(a);
  auto r = client->get(server.url("/api"));
  REQUIRE_FALSE(r.ok());
  const Error& e = r.error();
  CHECK(e.kind == ErrorKind::auth);
  CHECK(e.http_status == 400);
  CHECK(e.message == "oauth2: token request to " + server.url("/token") +
                         " failed: HTTP 400: invalid_grant: refresh token expired or revoked");
  CHECK(e.message.find(secret) == std::string::npos);
  CHECK(e.message.find(refresh) == std::string::npos);
  CHECK(e.message.find("qs-secret") == std::string::npos);
  CHECK(server.count("/token") == 1);  // 400 is not retried
  CHECK(server.count("/api") == 0);
  CHECK(client->last_token_response().empty());
}

TEST_CASE("http client: client_auth basic sends the client credentials as HTTP Basic, not in the form") {
  TestServer server([&](const ServerRequest& r) {
    if (r.path == "/oauth/token") return ServerResponse::json(200, R"({"access_token":"pd-at","expires_in":3599})");
    return text(200, "ok");
  });
  Rig rig;
  AuthConfig a;
  a.type = "oauth2";
  a.grant = "refresh_token";
  a.token_url = server.url("/oauth/token");
  a.client_id = "id:with/colon";
  a.client_secret = Secret("s3cret");
  a.refresh_token = Secret("rt");
  a.client_auth = "basic";
  auto client = rig.client(a);
  REQUIRE(client->get(server.url("/api/v2/persons"))->status == 200);
  const auto& token = server.last("/oauth/token");
  // base64("id%3Awith%2Fcolon:s3cret"): RFC 6749 2.3.1 form-encodes both first.
  CHECK(token.header("authorization") == "Basic aWQlM0F3aXRoJTJGY29sb246czNjcmV0");
  auto form = parse_form(token.body);
  CHECK(form_value(form, "client_id") == "<absent>");
  CHECK(form_value(form, "client_secret") == "<absent>");
  CHECK(form_value(form, "refresh_token") == "rt");
  CHECK(server.last("/api/v2/persons").header("authorization") == "Bearer pd-at");
}

TEST_CASE("http client: a token endpoint that echoes a secret has it scrubbed") {
  const std::string secret = "s3cret-CLIENT-value";
  TestServer server([&](const ServerRequest& r) {
    auto form = parse_form(r.body);
    return ServerResponse::json(
        401, fmt::format(R"({{"error":"invalid_client","error_description":"bad secret {}"}})",
                         form_value(form, "client_secret")));
  });
  Rig rig;
  auto r = rig.client(oauth2_client_credentials(server.url("/token")))->get(server.url("/api"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::auth);
  CHECK(r.error().message.find("invalid_client: bad secret ***") != std::string::npos);
  CHECK(r.error().message.find(secret) == std::string::npos);
}

TEST_CASE("http client: token endpoint trouble that is not a bad credential stays transient") {
  Rig rig;
  HttpClientOptions o;
  o.max_attempts = 2;
  SUBCASE("a 503 after retries") {
    TestServer server([&](const ServerRequest&) { return text(503, "<html>maintenance</html>"); });
    auto r =
        rig.client(oauth2_client_credentials(server.url("/token")), o)->get(server.url("/api"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::transient);
    CHECK(r.error().message ==
          "oauth2: token request to " + server.url("/token") + " failed: HTTP 503");
    CHECK(server.count("/token") == 2);
  }
  SUBCASE("nothing listening") {
    std::string token_url = fmt::format("http://127.0.0.1:{}/token", free_port());
    auto r = rig.client(oauth2_client_credentials(token_url), o)->get("http://127.0.0.1:1/api");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::transient);
    CHECK(r.error().message == "oauth2: token request to " + token_url +
                                   " failed: connection refused (after 2 attempts)");
    CHECK(r.error().message.find("s3cret") == std::string::npos);
  }
  SUBCASE("HTTP 200 without a token (Zoho's way of saying no)") {
    TestServer server([&](const ServerRequest&) {
      return ServerResponse::json(200, R"({"error":"invalid_client"})");
    });
    auto r =
        rig.client(oauth2_client_credentials(server.url("/token")), o)->get(server.url("/api"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::auth);
    CHECK(r.error().message.find("invalid_client") != std::string::npos);
  }
}

TEST_CASE("http client: unsupported schemes and unknown auth types are config errors") {
  Rig rig;
  auto file = rig.client()->get("file:///etc/passwd");
  REQUIRE_FALSE(file.ok());
  CHECK(file.error().kind == ErrorKind::config);
  AuthConfig a;
  a.type = "kerberos";
  auto unknown = rig.client(a)->get("http://127.0.0.1:1/");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().kind == ErrorKind::config);
}

TEST_CASE("http client: the Authorization scheme word is configurable (Zoho-oauthtoken)") {
  OAuthServer oauth;
  Rig rig;
  SUBCASE("a connector's default scheme applies to oauth2 tokens") {
    auto client = rig.client(oauth2_client_credentials(oauth.server.url("/token")));
    client->set_default_auth_scheme("Zoho-oauthtoken");
    REQUIRE(client->get(oauth.server.url("/api")).ok());
    CHECK(oauth.server.last("/api").header("authorization") == "Zoho-oauthtoken tok-1");
    CHECK(oauth.server.last("/token").header("authorization").empty());
  }
  SUBCASE("auth.scheme wins over the connector's default, for bearer too") {
    AuthConfig a = oauth2_client_credentials(oauth.server.url("/token"));
    a.scheme = "Bearer";
    auto client = rig.client(a);
    client->set_default_auth_scheme("Zoho-oauthtoken");
    REQUIRE(client->get(oauth.server.url("/api")).ok());
    CHECK(oauth.server.last("/api").header("authorization") == "Bearer tok-1");
    AuthConfig b;
    b.type = "bearer";
    b.token = Secret("pat-1");
    b.scheme = "Token";
    REQUIRE(rig.client(b)->get(oauth.server.url("/api")).ok());
    CHECK(oauth.server.last("/api").header("authorization") == "Token pat-1");
  }
}

// ---------------------------------------------------------------------------- trust boundaries

namespace {

AuthConfig api_key_auth(std::string in = "header") {
  AuthConfig a;
  a.type = "api_key";
  a.in = std::move(in);
  a.name = a.in == "query" ? "api_key" : "X-Api-Key";
  a.value = Secret("k3y-S3CRET/value+1");
  return a;
}

HttpClientOptions with_base(const TestServer& server) {
  HttpClientOptions o;
  o.base_url = server.url("/api");
  return o;
}

}  // namespace

TEST_CASE("http client: credentials go only to the source's own origin") {
  TestServer home([](const ServerRequest&) { return text(200, "ok"); });
  TestServer elsewhere([](const ServerRequest&) { return text(200, "ok"); });
  Rig rig;
  for (std::string in : {"header", "query"}) {
    CAPTURE(in);
    auto client = rig.client(api_key_auth(in), with_base(home));
    REQUIRE(client->get(home.url("/api/next?page=2")).ok());
    auto r = client->get(elsewhere.url("/api/next?page=3"));  // a next link to another port
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::config);
    auto home_origin = *origin_of(home.url("/"));
    auto other_origin = *origin_of(elsewhere.url("/"));
    CHECK(r.error().message.find(other_origin + " is not the source's origin " + home_origin) != std::string::npos);
    CHECK(r.error().message.find("k3y") == std::string::npos);
  }
  CHECK(elsewhere.requests().empty());  // nothing, let alone the key, reached the other origin
}

TEST_CASE("http client: an https -> http downgrade of the same host is refused before sending") {
  Rig rig;
  HttpClientOptions o;
  o.base_url = "https://crm.example.com/api";
  auto client = rig.client(api_key_auth(), o);
  auto r = client->get("http://crm.example.com/api/contacts?page=2");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("http://crm.example.com:80 is not the source's origin https://crm.example.com:443 "
                               "(https -> http downgrade)") != std::string::npos);
  CHECK(client->stats().requests == 0);
}

TEST_CASE("http client: same-origin redirects are followed, cross-origin ones fail naming both origins") {
  TestServer elsewhere([](const ServerRequest&) { return text(200, "stolen"); });
  std::string away = elsewhere.url("/collect");
  TestServer home([&](const ServerRequest& r) {
    if (r.path == "/api/old") return text(301, "", {{"Location", "/api/new?x=1"}});
    if (r.path == "/api/away") return text(302, "", {{"Location", away}});
    return text(200, "here");
  });
  Rig rig;
  auto client = rig.client(api_key_auth("query"), with_base(home));
  auto moved = client->get(home.url("/api/old"));
  REQUIRE(moved.ok());
  CHECK(moved->status == 200);
  CHECK(moved->body == "here");
  CHECK(home.last("/api/new").param("api_key") == "k3y-S3CRET/value+1");  // one copy, the right one
  CHECK(home.last("/api/new").query.size() == 2);

  auto r = client->get(home.url("/api/away"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("HTTP 302 redirect to " + *origin_of(away) + ", not the source's origin " +
                               *origin_of(home.url("/"))) != std::string::npos);
  CHECK(elsewhere.requests().empty());
}

TEST_CASE("http client: an instance_url from the token endpoint is trusted, an http one after https is not") {
  TestServer instance([](const ServerRequest&) { return ServerResponse::json(200, R"({"ok":true})"); });
  std::string instance_url = instance.url("");
  TestServer login([&](const ServerRequest&) {
    return ServerResponse::json(200, fmt::format(R"({{"access_token":"tok-1","instance_url":"{}"}})", instance_url));
  });
  Rig rig;
  HttpClientOptions o;
  o.base_url = login.url("/");
  auto client = rig.client(oauth2_client_credentials(login.url("/token")), o);
  auto r = client->get(instance.url("/services/data/v62.0/query"));
  REQUIRE(r.ok());
  CHECK(instance.last("/services/data/v62.0/query").header("authorization") == "Bearer tok-1");

  o.base_url = "https://login.example.com/";
  AuthConfig https_login = oauth2_client_credentials("https://login.example.com/token");
  auto other = rig.client(https_login, o);
  REQUIRE_FALSE(other->get(instance.url("/x")).ok());  // the token cannot even be fetched (no such host)
}

TEST_CASE("http client: an error body that echoes the credential comes back redacted") {
  TestServer server([](const ServerRequest& r) {
    std::string echo = fmt::format("bad key {} in {} and {}", r.header("x-api-key"), r.header("x-api-key"),
                                   url_encode(std::string(r.header("x-api-key"))));
    return ServerResponse::json(401, fmt::format(R"({{"error":{{"message":"{}"}}}})", echo));
  });
  Rig rig;
  auto r = rig.client(api_key_auth(), with_base(server))->get(server.url("/api/list"));
  REQUIRE(r.ok());
  CHECK(r->status == 401);
  CHECK(r->body == R"({"error":{"message":"bad key *** in *** and ***"}})");
}

TEST_CASE("http client: a stored page token keeps no credential; the client puts the key back") {
  TestServer server([](const ServerRequest&) { return text(200, "ok"); });
  Rig rig;
  auto client = rig.client(api_key_auth("query"), with_base(server));
  std::string next = server.url("/api/list?offset=20&api_key=k3y-S3CRET%2Fvalue%2B1&per_page=10");
  std::string stored = client->without_credentials("url:" + next);
  CHECK(stored == "url:" + server.url("/api/list?offset=20&per_page=10"));
  CHECK(client->without_credentials("opaque-cursor-1") == "opaque-cursor-1");
  // A copy under another name is dropped too, by its value.
  CHECK(client->without_credentials("/x?sig=k3y-S3CRET%2Fvalue%2B1&a=1") == "/x?a=1");
  REQUIRE(client->get(stored.substr(4)).ok());
  CHECK(server.last("/api/list").param("api_key") == "k3y-S3CRET/value+1");
  // A next link that still carries a (stale) copy gets one parameter, the configured key.
  REQUIRE(client->get(server.url("/api/list?api_key=old&offset=40")).ok());
  auto got = server.last("/api/list");
  CHECK(got.param("api_key") == "k3y-S3CRET/value+1");
  CHECK(got.query.size() == 2);
}

TEST_CASE("http client: an answer past max_response_size fails, gzip or not") {
  const std::string big(32 * 1024, 'x');  // gzip_stored takes < 64 KiB
  TestServer server([&](const ServerRequest& r) {
    if (r.path == "/gz") return text(200, gzip_stored(big), {{"Content-Encoding", "gzip"}});
    return text(200, r.path == "/small" ? "ok" : big);
  });
  Rig rig;
  HttpClientOptions o;
  o.max_response_size = 16 * 1024;
  auto client = rig.client({}, o);
  REQUIRE(client->get(server.url("/small")).ok());
  for (const char* path : {"/plain", "/gz"}) {
    CAPTURE(path);
    auto r = client->get(server.url(path));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("answer larger than max_response_size (16384 bytes after decompression)") !=
          std::string::npos);
  }
  CHECK(server.count("/plain") == 1);  // not retried: the same answer would be as large
}

TEST_CASE("http client: named buckets are shared through options.shared_bucket") {
  TestServer server([](const ServerRequest&) { return text(200, "ok"); });
  Rig rig;
  RateLimiters registry(rig.clock);
  HttpClientOptions o;
  o.shared_bucket = [&](const std::string& name, double per_second) {
    return registry.get("group:portal-42/" + name, per_second);
  };
  auto a = rig.client({}, o);
  auto b = rig.client({}, o);
  a->add_bucket("search", 4.0);
  b->add_bucket("search", 4.0);
  for (int i = 0; i < 4; ++i) {
    HttpRequest req{"GET", server.url("/search"), {}, {}};
    req.bucket = "search";
    REQUIRE((i % 2 ? a : b)->send(req).ok());
  }
  CHECK(rig.sleeper.total == 750ms);  // one bucket of 4/s for both: requests 2..4 waited 250 ms each
}
