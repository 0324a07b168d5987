// OdooDialect: Odoo's external JSON-RPC API over the shared Dataset, as the Odoo
// connector sees it. Everything is one route:
//   POST /jsonrpc  {"jsonrpc":"2.0","method":"call","id":N,
//                   "params":{"service":"common"|"object","method":…,"args":[…]}}
// common.authenticate [db, login, password_or_key, {}] → the uid (7), or false;
// common.version; object.execute_kw [db, uid, password, "res.partner", method, args,
// kwargs] with search_read, search, search_count, read, write (name, email, phone,
// active: what tests use to archive) and unlink.
//
// As hard as the real server (crm-apis.md, Odoo), never easier:
// - errors are HTTP 200 with {"error":{"code":200,"message":"Odoo Server Error","data":
//   {"name":"odoo.exceptions.AccessDenied","message":…,"arguments":[…],"debug":"Traceback…",
//   "context":{}}}}; a wrong login/password gives authenticate → false (not an error), a
//   wrong uid/password on execute_kw AccessDenied, an unknown field ValueError "Invalid
//   field …", an unknown model KeyError, an unknown database psycopg2.OperationalError;
//   /_control/tokens/revoke revokes the password and the API key alike;
// - write_date is "YYYY-MM-DD HH:MM:SS": UTC, no zone, whole seconds, equal for bursts;
//   domain values must be written the same way (or a bare date), anything else
//   (a "T", a "Z", an offset) is the ValueError Odoo's datetime parser gives;
// - empty fields are false, never null or ""; is_company is a boolean; parent_id false;
//   commercial_company_name is a company's own name, a person's employer, or false;
// - archived partners (active = false) are hidden unless the context has
//   "active_test": false or the domain names `active`;
// - no page cap: `limit` is whatever the client sends (none: every row), `offset` counts
//   over the live, moving result set, so offset paging during edits skips rows
//   (the `mutate_after` fault shows it); a deleted partner simply vanishes;
// - domains: Polish-notation "&", "|", "!" over leaves on id, write_date, active,
//   is_company, name, email, phone, type, with =, !=, <, <=, >, >=, in, not in (and
//   like/ilike on text); orders "write_date asc, id asc" and "id asc" only (crm-fake
//   refuses the rest with a ValueError naming what it supports: stricter, never looser);
// - proxy-level answers (429, 5xx, 404, 405) are nginx-style HTML pages, not JSON.
// Every /jsonrpc call counts as a list request (faults and stats), authenticate included.
//
// Immutable after construction; thread-safe (Dataset and TokenIssuer lock).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fake/dataset.h"
#include "fake/dialect.h"
#include "fake/token_issuer.h"

namespace crm::fake {

inline constexpr std::string_view kOdooDb = "crm-e2e";
inline constexpr std::string_view kOdooLogin = "crm-index@acme.example";
inline constexpr std::string_view kOdooPassword = "odoo-password-1";
inline constexpr std::string_view kOdooApiKey = "6f1d2c9e0b7a4e1f8c3d5a7b9e0f1a2b3c4d5e6f";
inline constexpr int64_t kOdooUid = 7;

// "2025-11-20 09:14:03": a datetime field as Odoo reads it (UTC, no zone, whole seconds).
std::string odoo_time(int64_t ms);

class OdooDialect final : public Dialect {
 public:
  OdooDialect(Dataset& data, const TokenIssuer& tokens);

  std::string_view name() const override { return "odoo"; }
  RouteKind route(std::string_view path) const override;
  ServerResponse handle(const ServerRequest& req) const override;
  ServerResponse error(int status, std::string_view code, std::string_view message) const override;
  int64_t view_since_ms(const ServerRequest& req) const override;
  bool allows(std::string_view method, std::string_view path) const override;
  bool own_auth() const override { return true; }

 private:
  Dataset& data_;
  const TokenIssuer& tokens_;
};

}  // namespace crm::fake
