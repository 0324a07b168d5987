// SuiteCrmDialect: SuiteCRM 7.14's V8 JSON:API (Slim 3 under /Api) over the shared
// Dataset, as the `rest` connector's worked example sees it (connectors/rest/README.md).
// Persons are `Contacts`, companies are `Accounts`:
//   POST /Api/access_token                 OAuth2 client_credentials (form body or Basic)
//   GET  /Api/V8/module/Contacts|Accounts  ?fields[Contacts]=…&filter[date_modified][gte]=…
//                                          &page[size]=N&page[number]=P&sort=date_modified
//   GET  /Api/V8/module/Contacts|Accounts/{id}
//
// As hard as the vendor code (read from SuiteCRM 7.14's Api/V8) and as a real SuiteCRM
// 7.14.6 measured (../shared/docs/crm-apis.md), never easier:
// - only `Authorization: Bearer <token>` from the shared TokenIssuer passes; otherwise 401
//   {"error":"access_denied",…,"hint":"Missing \"Authorization\" header"} (league/oauth2-server);
// - parameters are PHP arrays (php_query.h) validated as the vendor does (suitecrm_params.h):
//   an unknown parameter, field, filter field ("Filter field date_modifed in Contact module
//   is not found") or page value is HTTP 400 {"errors":{"status":400,"title":null,"detail":…}};
// - date filters compare as MariaDB datetimes (suitecrm_where.h); the listing leaves
//   deleted rows out, and a page that filter[deleted][eq]=1 fills with them is a 400
//   "Contacts module with id … is not found" (getRecords() reloads each bean);
// - paging is by page number over date_modified, whose ties come in an order drawn anew
//   per list request (no tie-breaker), or over id: offset (P-1)·N; without
//   page[number] the offset is 0 and the answer is "page 0", whose next link is page 1 (the
//   same records); without page[size], 20 records and no meta or links; page[size] has no cap
//   (an answer over 50,000 records is PHP's "Allowed memory size exhausted" 500, the fake's
//   memory bound); records edited during a pass move to the end and shift the others;
// - links are relative to /Api ("V8/module/Contacts?…&page[number]=2"), written
//   urldecode(http_build_query()): raw brackets, commas and spaces; first/prev/next/last are
//   all present, null when they do not apply (no next on the last page); meta has
//   total-pages (the matching rows, COUNT(*)) and records-on-this-page; an empty page is
//   {"meta":{"message":"Request was successful, but there is no result"},"data":[]};
// - outside /Api (/V8/…, /legacy/…) a 301 to index.php?action=Login&module=Users;
// - ids are GUIDs (suite_guid), values HTML-escaped but for &, dates DATE_ATOM +00:00 in
//   the API user's time format (SuiteOptions: H:i drops the seconds), the body is
//   JSON_PRETTY_PRINT with unescaped slashes and Unicode, `application/vnd.api+json`;
//   parameter errors come from Slim's withJson(): `application/json;charset=utf-8`.
//
// The token endpoint accepts kSuiteClientId / kSuiteClientSecret only; tokens live an hour.
// Immutable after construction; thread-safe (Dataset and TokenIssuer lock).
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "fake/dataset.h"
#include "fake/dialect.h"
#include "fake/suitecrm_records.h"
#include "fake/token_issuer.h"

namespace crm::fake {

inline constexpr std::string_view kSuiteClientId = "3f1c8a52-9d3e-4a1f-b1d2-5c6e7f809a1b";
inline constexpr std::string_view kSuiteClientSecret = "suitecrm-client-secret-1";

struct SuiteOptions {
  bool seconds = false;  // the API user's time format: H:i:s (true) or SuiteCRM's default H:i
};

class SuiteCrmDialect final : public Dialect {
 public:
  SuiteCrmDialect(const Dataset& data, TokenIssuer& tokens, const BaseUrl& base, SuiteOptions options);

  std::string_view name() const override { return "suitecrm"; }
  RouteKind route(std::string_view path) const override;
  ServerResponse handle(const ServerRequest& req) const override;
  ServerResponse error(int status, std::string_view code, std::string_view message) const override;
  int64_t view_since_ms(const ServerRequest& req) const override;
  bool allows(std::string_view method, std::string_view path) const override;
  bool own_auth() const override { return true; }

 private:
  ServerResponse token(const ServerRequest& req) const;
  ServerResponse list(const ServerRequest& req, const SuiteModule& module) const;
  ServerResponse one(const ServerRequest& req, const SuiteModule& module, std::string_view guid) const;

  const Dataset& data_;
  TokenIssuer& tokens_;
  const BaseUrl& base_;
  const SuiteOptions options_;
  mutable std::atomic<uint64_t> list_requests_{0};  // the salt of each list request's tie order
};

}  // namespace crm::fake
