// SalesforceDialect: the Salesforce REST API over the shared Dataset, as hard as the real
// one (crm-apis.md, "Salesforce"):
//   POST /services/oauth2/token                 refresh_token / client_credentials grants
//                                               (form body); answers access_token and
//                                               instance_url = the fake's root, no expires_in
//   GET  /services/data/vNN.N/query?q=SOQL      live rows only
//   GET  /services/data/vNN.N/queryAll?q=SOQL   also the Recycle Bin: IsDeleted = true rows,
//                                               merged losers with MasterRecordId
//   GET  /services/data/vNN.N/query/<locator>   the next page (nextRecordsUrl), also after
//                                               queryAll
//   GET  /services/data/vNN.N/limits            DailyApiRequests {Max, Remaining}
//   GET  /services/data/vNN.N/sobjects/{Contact|Account}/{Id}?fields=…   sObject Rows: one
//                                               row as queries render it (own fields only: a
//                                               parent's, Account.Name, is 400 INVALID_FIELD);
//                                               404 NOT_FOUND, or ENTITY_IS_DELETED for a
//                                               record in the Recycle Bin (merged losers too)
// Persons are Contacts (ids 0035e…), companies Accounts (0015e…): 18-character ids whose
// last 13 digits are the Dataset id. Account has no e-mail field, as in Salesforce.
//
// The SOQL parser understands what a poller sends and refuses the rest with
// 400 MALFORMED_QUERY: SELECT <fields> FROM Contact|Account [WHERE SystemModstamp >= <dt>
// [AND IsDeleted = true|false] [AND Id = '<id>']] [ORDER BY SystemModstamp[, Id]]; unknown fields →
// INVALID_FIELD, unknown objects → INVALID_TYPE; date-times unquoted with Z or ±hh:mm (a
// '+' sent unencoded arrives as a space and is refused). Pages hold min(batchSize of
// Sforce-Query-Options clamped to 200..2000, --max-page-size) rows: fewer than asked, as
// Salesforce may. Query locators are keyset positions in (SystemModstamp, Id) order,
// encoded in the locator itself (no server state). Every answer carries
// Sforce-Limit-Info. Errors are [{"message","errorCode"}]; a 429 never leaves: the rate
// limiter's and injected 429s become 403 REQUEST_LIMIT_EXCEEDED, as Salesforce answers.
//
// Immutable after construction apart from an atomic request counter; thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "fake/dataset.h"
#include "fake/dialect.h"
#include "fake/token_issuer.h"

namespace crm::fake {

// A query the fake understands, parsed.
struct SoqlQuery {
  std::string object;               // Contact | Account
  std::vector<std::string> fields;  // canonical names, in the order asked
  int64_t since_ms = INT64_MIN;     // SystemModstamp >= (or > when strict)
  bool strict = false;
  std::optional<bool> is_deleted;   // WHERE IsDeleted = …
  std::optional<uint64_t> id;       // WHERE Id = '<id>': the dataset id (0: no such record)
};

// A SOQL error: errorCode and message, as Salesforce words them.
struct SoqlError {
  std::string code;
  std::string message;
};

std::variant<SoqlQuery, SoqlError> parse_soql(std::string_view soql);

// A record's 18-character Salesforce id: the Contact (0035e…) or Account (0015e…) key prefix
// and the dataset id in the last 13 digits.
std::string salesforce_id(uint64_t id, bool account);

// The connected app's credentials the token endpoint accepts (tests put them in configs).
inline constexpr std::string_view kSalesforceClientId = "3MVG9sf-fake-consumer-key";
inline constexpr std::string_view kSalesforceClientSecret = "sf-client-secret-1";
inline constexpr std::string_view kSalesforceRefreshToken = "5Aep861sf-refresh-token-1";

class SalesforceDialect final : public Dialect {
 public:
  SalesforceDialect(const Dataset& data, TokenIssuer& tokens, size_t max_page_size,
                    const BaseUrl& base, const Clock& clock);

  std::string_view name() const override { return "salesforce"; }
  RouteKind route(std::string_view path) const override;
  ServerResponse handle(const ServerRequest& req) const override;
  ServerResponse error(int status, std::string_view code, std::string_view message) const override;
  int64_t view_since_ms(const ServerRequest& req) const override;
  bool allows(std::string_view method, std::string_view path) const override;
  bool own_auth() const override { return true; }

  static constexpr int64_t kDailyMax = 100000;

 private:
  struct Cursor;  // what a query locator holds
  ServerResponse token(const ServerRequest& req) const;
  ServerResponse query(const ServerRequest& req, std::string_view version, bool all) const;
  ServerResponse more(const ServerRequest& req, std::string_view version, std::string_view locator) const;
  ServerResponse page(const Cursor& c, std::string_view version) const;
  ServerResponse limits() const;
  ServerResponse sobject_row(const ServerRequest& req, std::string_view version, std::string_view rest) const;
  ServerResponse sf_error(int status, std::string_view code, std::string_view message) const;
  void stamp(ServerResponse& r) const;

  const Dataset& data_;
  TokenIssuer& tokens_;
  const size_t max_page_size_;
  const BaseUrl& base_;
  const Clock& clock_;
  mutable std::atomic<int64_t> calls_{0};
};

}  // namespace crm::fake
