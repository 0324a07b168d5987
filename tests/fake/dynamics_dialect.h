// DynamicsDialect: Microsoft Dataverse Web API (OData v4) over the shared Dataset, as the
// Dynamics connector sees it. Persons are `contacts`, companies are `accounts`:
//   GET  /api/data/v9.2/contacts|accounts   ?$select=…&$filter=modifiedon ge <UTC literal>
//                                           &$orderby=modifiedon asc,<id> asc&$skiptoken=…
//   POST /{tenant}/oauth2/v2.0/token        client_credentials with scope …/.default
//
// As hard as the real service, never easier:
// - ids are GUIDs (the numeric id in the first 8 hex digits, so tests can map them back);
// - only bearer tokens from the shared TokenIssuer pass; a missing, unknown or expired
//   token gets 401 with an EMPTY body and a WWW-Authenticate challenge, as Dataverse does;
// - `Prefer: odata.maxpagesize=N` is capped at 5,000 and at the fake's --max-page-size,
//   silently (Preference-Applied says what was honoured); without it a page is the cap;
// - the parent account's name appears only with
//   `Prefer: odata.include-annotations="OData.Community.Display.V1.FormattedValue"` (or
//   "*"), and modifiedon's formatted value is a localised +01:00 "dd/MM/yyyy HH:mm" trap;
// - @odata.nextLink is absolute and carries an opaque $skiptoken (a paging cookie, keyset
//   under the hood); it keeps $select/$filter/$orderby but NOT the Prefer header, which
//   the client must send again;
// - $filter understands `modifiedon ge|gt <literal>` only (a quoted literal is the 400 the
//   real service gives), $orderby only `modifiedon asc,<id> asc`, $skip and any other
//   system query option are refused with a 400 OData error; unknown $select columns too;
// - deletions simply disappear (no change tracking); a merged-away record stays as a
//   deactivated row (statecode 1, merged true, _masterid_value = the survivor) whose
//   modifiedon is the merge time;
// - errors are {"error":{"code":"0x…","message":"…"}}; 429 carries 0x80072322.
//
// The token endpoint accepts kDynamicsClientId / kDynamicsClientSecret only.
// Immutable after construction; thread-safe (Dataset and TokenIssuer lock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fake/dataset.h"
#include "fake/dialect.h"
#include "fake/token_issuer.h"

namespace crm::fake {

inline constexpr std::string_view kDynamicsClientId = "3f1c2a9e-crm-index-e2e";
inline constexpr std::string_view kDynamicsClientSecret = "dyn-client-secret-1";

// The GUID a record has in this dialect, and back.
std::string dynamics_guid(uint64_t id, bool company);
std::optional<uint64_t> dynamics_id_of(std::string_view guid);

class DynamicsDialect final : public Dialect {
 public:
  DynamicsDialect(const Dataset& data, TokenIssuer& tokens, const BaseUrl& base, size_t max_page_size);

  std::string_view name() const override { return "dynamics"; }
  RouteKind route(std::string_view path) const override;
  ServerResponse handle(const ServerRequest& req) const override;
  ServerResponse error(int status, std::string_view code, std::string_view message) const override;
  int64_t view_since_ms(const ServerRequest& req) const override;
  bool allows(std::string_view method, std::string_view path) const override;
  bool own_auth() const override { return true; }

 private:
  struct Query;
  ServerResponse token(const ServerRequest& req) const;
  ServerResponse list(const ServerRequest& req, bool accounts) const;

  const Dataset& data_;
  TokenIssuer& tokens_;
  const BaseUrl& base_;
  const size_t max_page_size_;
};

}  // namespace crm::fake
