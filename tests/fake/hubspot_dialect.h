// HubspotDialect: HubSpot's CRM v3 API over the shared Dataset (crm-apis.md "HubSpot").
//
//   GET  /crm/v3/objects/{contacts|companies}   limit (≤ 100, silently capped), after
//        (opaque, id order), properties (comma list; unnamed ones are not returned),
//        archived=true → ONLY archived (deleted, not merged) records
//   GET  /crm/v3/objects/{type}/{id}            one object as lists show it, properties
//        as for lists, archived=true → only if archived; else 404 OBJECT_NOT_FOUND
//   POST /crm/v3/objects/{type}/search          filterGroups (OR of AND groups; EQ NEQ GT
//        GTE LT LTE on the modification property — lastmodifieddate for contacts,
//        hs_lastmodifieddate for companies — and hs_object_id), one sort, limit ≤ 200,
//        `after` = offset; after + limit > 10,000 → 400 VALIDATION_ERROR (the cap);
//        its own rate limit: 5 requests per second → 429 policyName SECONDLY
//   POST /oauth/v1/token                        form grant_type=refresh_token|
//        client_credentials → {"access_token","refresh_token","expires_in":1800}
// Persons are contacts, companies are companies. Property values are strings; times ISO
// 8601 UTC with milliseconds. A survivor lists the ids merged into it in
// hs_merged_object_ids ("4051;7732"); merged-away ids vanish (not archived). Auth is the
// dialect's own: Bearer tokens from the TokenIssuer, or the fixed private-app token
// (crm-fake's --bearer), refused while the credentials are revoked.
//
// Thread-safe: handle() runs concurrently; the search limiter locks its own mutex.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fake/dataset.h"
#include "fake/dialect.h"
#include "fake/token_issuer.h"

namespace crm::fake {

// A record's visible properties as a HubSpot contact (firstname, lastname, email, phone,
// company) or company (name, phone, domain), without times and ids: what lists show and
// what contact.propertyChange webhooks report.
std::vector<std::pair<std::string_view, std::string>> hubspot_properties(const FakeRecord& r);

class HubspotDialect final : public Dialect {
 public:
  HubspotDialect(const Dataset& data, TokenIssuer& tokens, std::string private_app_token,
                 double search_rate = 5.0);

  std::string_view name() const override { return "hubspot"; }
  RouteKind route(std::string_view path) const override;
  ServerResponse handle(const ServerRequest& req) const override;
  ServerResponse error(int status, std::string_view code, std::string_view message) const override;
  int64_t view_since_ms(const ServerRequest& req) const override;
  bool allows(std::string_view method, std::string_view path) const override;
  bool own_auth() const override { return true; }

  // "2025-01-01T00:00:00.000Z": HubSpot's form, always with milliseconds.
  static std::string format_time(int64_t ms);

 private:
  ServerResponse token_endpoint(const ServerRequest& req) const;
  ServerResponse list(const ServerRequest& req, bool companies) const;
  ServerResponse search(const ServerRequest& req, bool companies) const;
  ServerResponse record(const ServerRequest& req, bool companies, const std::string& id) const;
  bool authorized(const ServerRequest& req) const;
  bool search_allowed() const;
  void append_record(std::string& out, const FakeRecord& r, bool companies, std::string_view properties,
                     bool archived, int64_t archived_ms) const;

  const Dataset& data_;
  TokenIssuer& tokens_;
  const std::string private_app_token_;
  const double search_rate_;
  mutable std::mutex mu_;
  mutable double bucket_ = 0;
  mutable std::chrono::steady_clock::time_point last_{};
};

}  // namespace crm::fake
