// DynamicsDialect: Microsoft Dataverse Web API (OData v4) over the shared Dataset, as the
// Dynamics connector sees it. Persons are `contacts`, companies are `accounts`:
//   GET  /api/data/v9.2/contacts|accounts   ?$select=…&$filter=modifiedon ge <UTC literal>
//                                           &$orderby=modifiedon asc,<id> asc&$skiptoken=…
//   GET  /api/data/v9.2/contacts(<guid>)    one row as lists show it (also accounts(<guid>)),
//                                           ?$select=…, the same Prefer annotations; a
//                                           merged-away row answers deactivated; a deleted or
//                                           unknown one 404 0x80040217 "… Does Not Exist"
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
// - change tracking as Microsoft documents it: `Prefer: odata.track-changes` with
//   $select only ($filter/$orderby are refused: "… isn't supported when Change Tracking is
//   enabled."), Preference-Applied echoing it, the full set paged by nextLink and an
//   absolute @odata.deltaLink (`…?$select=…&$deltatoken=<n>!<MM/dd/yyyy HH:mm:ss>`) on the
//   last page; a delta link answers the rows created or changed since (merged-away rows
//   among them) and then the deleted ones as {"@odata.context": "…#contacts/$deletedEntity",
//   "id", "reason": "deleted"}, paged by nextLink under the same page cap, the last page
//   with a new delta link; an unknown or expired token (ChangeTracking, the control route
//   /_control/deltatokens/expire) is 400 0x80044352 "… Please perform a full sync.";
//   a set named in --dynamics-untracked has no change tracking: a tracked read is a 400
//   (Microsoft does not document that answer's code; the fake uses 0x80060888);
// - without change tracking deletions simply disappear; a merged-away record stays as a
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
#include <vector>

#include "fake/change_tracking.h"
#include "fake/dataset.h"
#include "fake/dialect.h"
#include "fake/token_issuer.h"

namespace crm::fake {

inline constexpr std::string_view kDynamicsClientId = "3f1c2a9e-crm-index-e2e";
inline constexpr std::string_view kDynamicsClientSecret = "dyn-client-secret-1";

// The GUID a record has in this dialect, and back.
std::string dynamics_guid(uint64_t id, bool company);
std::optional<uint64_t> dynamics_id_of(std::string_view guid);
// The account a contact's employer is (parentcustomerid), derived from its name.
std::string dynamics_parent_guid(std::string_view company_name);

class DynamicsDialect final : public Dialect {
 public:
  DynamicsDialect(const Dataset& data, TokenIssuer& tokens, ChangeTracking& tracking, const BaseUrl& base,
                  size_t max_page_size, std::vector<std::string> untracked_sets);

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
  ServerResponse record(const ServerRequest& req, bool accounts, std::string_view guid) const;
  bool untracked(bool accounts) const;

  const Dataset& data_;
  TokenIssuer& tokens_;
  ChangeTracking& tracking_;
  const BaseUrl& base_;
  const size_t max_page_size_;
  const std::vector<std::string> untracked_sets_;  // entity sets without change tracking
};

}  // namespace crm::fake
