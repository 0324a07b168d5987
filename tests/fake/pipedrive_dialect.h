// PipedriveDialect: Pipedrive API v2 over the shared Dataset, as the Pipedrive connector
// sees it. Persons are the Dataset's persons, organizations its companies:
//   GET  /api/v2/persons|organizations ?limit=&cursor=&sort_by=&sort_direction=
//                                      &updated_since=&updated_until=&ids=&org_id= (persons)
//   GET  /api/v2/persons|organizations/{id}   one item as the lists render it (a live read);
//                                      unknown, deleted or of the other object: 404
//                                      {"success":false,"error":"Person not found",…}
//   POST /oauth/token                  refresh_token grant, client credentials in HTTP Basic
//
// As hard as the real service, never easier:
// - ids are integers; a person's `org_id` is a bare id (v2 gives no organization name):
//   the organization is the lowest-id live company that carried the person's company
//   name at the dialect's first request, and it stays the person's when it is renamed
//   later (PATCH /_control/records/{org} with a full_name): as at Pipedrive, the rename
//   moves the organization's update_time and changes the person's company without
//   touching the person (the truth dump still has the old name for such persons);
//   names come only from GET /api/v2/organizations (ids= takes at most 100 ids);
// - credentials: the x-api-token header (or the legacy api_token query parameter, which
//   Pipedrive still accepts) must be kPipedriveApiToken, or Authorization: Bearer a token
//   from /oauth/token; anything else is 401 {"success":false,"error":"unauthorized access",
//   "errorCode":401,"error_info":…};
// - limit > 500 is a 400 (the spec says so in prose only), and is also capped silently at
//   the fake's --max-page-size; cursors are keyset positions bound to their sort_by, so
//   records edited while a client pages move behind the cursor and are still served;
// - updated_since is inclusive, updated_until exclusive, both RFC 3339 with a zone (a
//   naive time is a 400); times are whole seconds, runs of three share one;
// - deleted items vanish from every list (no list shows them; no deleted endpoint), and a
//   merged-away person simply disappears;
// - every answer carries x-ratelimit-limit / -remaining / -reset for a 2-second burst
//   window of CRM_FAKE_PIPEDRIVE_BURST requests (default 80, the Professional plan's
//   api_token limit); over it: 429 "Request over limit", no Retry-After. With
//   CRM_FAKE_PIPEDRIVE_DAILY_BUDGET=T set, every list request costs 10 tokens (the spec's
//   x-token-cost) and a spent budget is a 429 with x-ratelimit-remaining 0 and
//   x-ratelimit-reset = seconds to 00:00 UTC;
// - bad parameters are 400 {"success":false,"error":"…","errorCode":400,…}.
//
// Cost: sort_by=update_time lists are keyset pages over the Dataset's order; org_id=,
// and sort_by=id with updated_since, scan the live records (O(N)): fine at e2e sizes.
//
// Immutable after construction apart from the rate-limit counters and the lazily built
// company-name index (both behind mu_); thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_writer.h"
#include "core/time.h"
#include "fake/dataset.h"
#include "fake/dialect.h"
#include "fake/token_issuer.h"

namespace crm::fake {

inline constexpr std::string_view kPipedriveApiToken = "pd-api-token-0123456789abcdef";
inline constexpr std::string_view kPipedriveClientId = "pd-client-id-e2e";
inline constexpr std::string_view kPipedriveClientSecret = "pd-client-secret-1";
inline constexpr std::string_view kPipedriveRefreshToken = "pd-refresh-token-1";

// One person (org_id: its organization, 0 for none) or organization as API v2 lists it
// and webhooks v2 carry it in "data".
void append_pipedrive_item(JsonWriter& w, const FakeRecord& r, uint64_t org_id);
// A person's "emails" or "phones": [] or one primary "work" entry.
void append_pipedrive_channel(JsonWriter& w, std::string_view key, std::string_view value);
// "2025-01-01T10:20:00Z": Pipedrive's RFC 3339 times, whole seconds.
std::string pipedrive_time(int64_t ms);

class PipedriveDialect final : public Dialect {
 public:
  PipedriveDialect(const Dataset& data, TokenIssuer& tokens, const BaseUrl& base, size_t max_page_size,
                   const Clock& clock);

  std::string_view name() const override { return "pipedrive"; }
  RouteKind route(std::string_view path) const override;
  ServerResponse handle(const ServerRequest& req) const override;
  ServerResponse error(int status, std::string_view code, std::string_view message) const override;
  int64_t view_since_ms(const ServerRequest& req) const override;
  bool allows(std::string_view method, std::string_view path) const override;
  bool own_auth() const override { return true; }

  // The organization a person belongs to: 0 when none (or its company name has no live
  // organization). Pinned by name at the first request (see above). Reads the Dataset.
  uint64_t org_of(const FakeRecord& person) const;

 private:
  struct Query;
  ServerResponse token(const ServerRequest& req) const;
  ServerResponse list(const ServerRequest& req, bool organizations) const;
  ServerResponse one(std::string_view id, bool organization) const;
  // Burst window and daily budget: nullopt when the request may go on, else the 429.
  std::optional<ServerResponse> throttle(bool list_request, std::vector<std::pair<std::string, std::string>>& headers) const;
  std::string org_name(uint64_t org_id) const;  // "" when not a live organization

  const Dataset& data_;
  TokenIssuer& tokens_;
  const BaseUrl& base_;
  const size_t max_page_size_;
  const Clock& clock_;
  const int64_t burst_;
  const int64_t daily_budget_;  // 0: off

  mutable std::mutex mu_;
  mutable int64_t window_start_ms_ = 0;
  mutable int64_t window_used_ = 0;
  mutable int64_t budget_used_ = 0;
  mutable int64_t budget_day_ = 0;
  mutable bool index_built_ = false;
  mutable std::map<std::string, std::vector<uint64_t>> companies_by_name_;  // seeded and early ids
};

}  // namespace crm::fake
