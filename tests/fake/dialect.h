// Dialect: one CRM's API shape over the shared Dataset. The "rest" dialect is the first;
// vendor dialects (Salesforce, HubSpot, …) are added next to it and registered in
// FakeServer. A dialect only turns a routed GET into an answer: authentication, rate
// limits, fault injection and counting are FakeServer's, so every dialect gets them.
//
// Implementations are immutable after construction apart from what they read through the
// Dataset (thread-safe) and BaseUrl: handle() is called concurrently from server threads.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "api/http_server.h"

namespace crm::fake {

// list: pages of records (faults hit them); record: one record by id, a live read's
// get-by-id (faults hit them too, counted apart in /_control/stats); other: the rest.
enum class RouteKind { none, list, record, other };

// The fake's public root ("http://127.0.0.1:PORT"), known once the server has bound its
// port; dialects put it in absolute next links. Thread-safe.
class BaseUrl {
 public:
  void set(std::string url) {
    std::lock_guard lock(mu_);
    url_ = std::move(url);
  }
  std::string get() const {
    std::lock_guard lock(mu_);
    return url_;
  }

 private:
  mutable std::mutex mu_;
  std::string url_ = "http://127.0.0.1";
};

class Dialect {
 public:
  virtual ~Dialect() = default;
  virtual std::string_view name() const = 0;
  // Whether a path is this dialect's, and whether it lists records or reads one.
  virtual RouteKind route(std::string_view path) const = 0;
  // Answers a GET (or HEAD) on one of this dialect's routes.
  virtual ServerResponse handle(const ServerRequest& req) const = 0;
  // The dialect's error body for a status (401, 404, 429, injected faults…).
  virtual ServerResponse error(int status, std::string_view code, std::string_view message) const = 0;
  // The lower modified bound (ms) of a list request's view; INT64_MIN when unfiltered.
  virtual int64_t view_since_ms(const ServerRequest& req) const = 0;

  // Vendor dialects POST (HubSpot search, OAuth token endpoints, Odoo JSON-RPC): which
  // methods a route takes; the rest are answered 405 by FakeServer.
  virtual bool allows(std::string_view method, std::string_view /*path*/) const {
    return method == "GET" || method == "HEAD";
  }
  // A dialect that checks its vendor's own credentials (OAuth tokens from the
  // TokenIssuer, Zoho-oauthtoken, x-api-token…) says so; then FakeServer's --api-key and
  // --bearer checks do not apply to its routes, and handle() answers 401 itself.
  virtual bool own_auth() const { return false; }
};

}  // namespace crm::fake
