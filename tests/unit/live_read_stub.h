// What the connectors' get_by_id unit tests share: a scripted vendor on 127.0.0.1 that
// answers every request with one status, body and headers and keeps the request lines,
// and a connector whose HttpClient makes one attempt, as the engine's live reads do (so a
// 429 or 5xx comes back at once instead of being retried).
// Test code only.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "sync/record_hash.h"
#include "tests/unit/connector_test_support.h"

namespace crm::connector_test {

class LiveStub {
 public:
  // The answer to every following request.
  void answer(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
    std::lock_guard lock(mu_);
    status_ = status;
    body_ = std::move(body);
    headers_ = std::move(headers);
  }
  // "GET /path?k=v&k=v&" for each request so far (the query decoded, in order).
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::string base() const { return server_.base(); }

 private:
  ServerResponse handle(const ServerRequest& req) {
    std::lock_guard lock(mu_);
    requests_.push_back(req.method + " " + req.path + "?" + query_text(req));
    ServerResponse r = ServerResponse::json(status_, body_);
    for (const auto& h : headers_) r.headers.push_back(h);
    return r;
  }

  std::mutex mu_;
  int status_ = 200;
  std::string body_ = "{}";
  std::vector<std::pair<std::string, std::string>> headers_;
  std::vector<std::string> requests_;
  LoopbackServer server_{[this](const ServerRequest& req) { return handle(req); }};
};

// TestConnector with a single attempt per request.
struct LiveTestConnector {
  LiveTestConnector(const std::string& type, const SourceConfig& source)
      : http(one_attempt(), source.auth, std::make_shared<RateLimiter>(1000.0, 1000.0, clock), sleeper, clock),
        connector(find_connector_type(type)->make(source, http)) {}
  Connector* operator->() const { return connector.get(); }

  static HttpClientOptions one_attempt() {
    HttpClientOptions o;
    o.max_attempts = 1;
    return o;
  }

  FakeClock clock{from_ms(0)};
  FakeSleeper sleeper;
  HttpClient http;
  std::unique_ptr<Connector> connector;
};

// A live read's record against the same record read from a page: every field, and the
// change detector's hash (which must match, or a live read would rewrite the row).
inline void check_same_record(const Record& live, const Record& paged) {
  CHECK(live.external_id == paged.external_id);
  CHECK(live.kind == paged.kind);
  CHECK(live.name == paged.name);
  CHECK(live.given_name == paged.given_name);
  CHECK(live.family_name == paged.family_name);
  CHECK(live.email == paged.email);
  CHECK(live.phone == paged.phone);
  CHECK(live.company == paged.company);
  CHECK(live.national_id == paged.national_id);
  CHECK(live.country == paged.country);
  CHECK(live.remote_updated_at == paged.remote_updated_at);
  CHECK(live.web_url == paged.web_url);
  CHECK(live.extra == paged.extra);
  CHECK(live.deleted == paged.deleted);
  CHECK(live.merged_into == paged.merged_into);
  CHECK(hash_record(live) == hash_record(paged));
}

}  // namespace crm::connector_test
