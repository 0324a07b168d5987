// ZohoDialect: Zoho CRM's REST API (v2.1 … v8) over the shared Dataset, as the Zoho
// connector sees it. Persons are `Contacts`, companies are `Accounts`:
//   GET  /crm/{version}/Contacts|Accounts   ?fields=…&per_page=&page=|page_token=&sort_by=&sort_order=
//        If-Modified-Since: <ISO 8601 with offset>
//   GET  /crm/{version}/Contacts|Accounts/deleted?type=all|recycle|permanent&page=&per_page=
//   GET  /crm/{version}/Contacts|Accounts/{id}?fields=…   Get Record: {"data":[<the record as
//        lists write it>]}; a deleted or merged-away id 204 (empty), an id that never was
//        one 400 INVALID_DATA {"details":{"id":…}}
//   POST /oauth/v2/token                    the accounts server: grant_type=refresh_token
//
// As hard as the real service, never easier:
// - only `Authorization: Zoho-oauthtoken <token>` from the shared TokenIssuer passes;
//   "Bearer …" or no header is 401 AUTHENTICATION_FAILURE, an unknown or expired token
//   401 INVALID_TOKEN; the token endpoint answers refusals with HTTP 200 and
//   {"error":"invalid_code"} (bad or revoked refresh token) or {"error":"invalid_client"};
// - `fields` is mandatory (400 REQUIRED_PARAM_MISSING), at most 50 names
//   (LIMIT_EXCEEDED), each a field of the module (400 INVALID_DATA naming it);
// - the default order is DESCENDING; sort_by takes id, Created_Time, Modified_Time only;
// - per_page is capped at 200 and at --max-page-size, silently (info.per_page says);
// - page numbers reach the first 2,000 records only: beyond, 400
//   DISCRETE_PAGINATION_LIMIT_EXCEEDED; page_token (from info.next_page_token) goes on, is
//   bound to fields/per_page/sort/If-Modified-Since (400 TOKEN_BOUND_DATA_MISMATCH),
//   expires after 24 h (400 EXPIRED_VALUE) and stops at 100,000 records
//   (PAGINATION_LIMIT_EXCEEDED). Page numbers are offsets over the live, moving set:
//   a record edited while a client pages shifts the others;
// - If-Modified-Since means modified strictly AFTER the value, which must carry an offset
//   (400 INVALID_DATA otherwise); nothing to return is 204 with an empty body;
// - Modified_Time and deleted_time are written in the org's zone, +05:30;
// - ids are long numeric strings (kZohoIdBase + the dataset id); Account_Name is a lookup
//   {"name","id"} on contacts and the plain name on accounts; accounts have no Email;
// - deletions (and merged-away records) are listed by the deleted endpoint, newest first;
// - errors are {"code","details","message","status":"error"}; 429 is TOO_MANY_REQUESTS.
//
// The token endpoint accepts kZohoClientId / kZohoClientSecret / kZohoRefreshToken only.
// Immutable after construction; thread-safe (Dataset and TokenIssuer lock).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fake/dataset.h"
#include "fake/dialect.h"
#include "fake/token_issuer.h"

namespace crm::fake {

inline constexpr std::string_view kZohoClientId = "1000.CRMINDEXE2ECLIENT";
inline constexpr std::string_view kZohoClientSecret = "zoho-client-secret-1";
inline constexpr std::string_view kZohoRefreshToken = "1000.zoho-refresh-token-1";
inline constexpr uint64_t kZohoIdBase = 554023000000000000ULL;

// A record's Zoho id: kZohoIdBase + the dataset id, as a decimal string.
std::string zoho_id(uint64_t id);

class ZohoDialect final : public Dialect {
 public:
  ZohoDialect(const Dataset& data, TokenIssuer& tokens, const BaseUrl& base, size_t max_page_size,
              const Clock& clock);

  std::string_view name() const override { return "zoho"; }
  RouteKind route(std::string_view path) const override;
  ServerResponse handle(const ServerRequest& req) const override;
  ServerResponse error(int status, std::string_view code, std::string_view message) const override;
  int64_t view_since_ms(const ServerRequest& req) const override;
  bool allows(std::string_view method, std::string_view path) const override;
  bool own_auth() const override { return true; }

 private:
  ServerResponse token(const ServerRequest& req) const;
  ServerResponse list(const ServerRequest& req, bool accounts) const;
  ServerResponse record(const ServerRequest& req, bool accounts, std::string_view id) const;
  ServerResponse deleted(const ServerRequest& req, bool accounts) const;

  const Dataset& data_;
  TokenIssuer& tokens_;
  const BaseUrl& base_;
  const size_t max_page_size_;
  const Clock& clock_;
};

}  // namespace crm::fake
