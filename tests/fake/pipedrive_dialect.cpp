#include "fake/pipedrive_dialect.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdlib>

#include "core/json_writer.h"
#include "fake/form_body.h"
#include "core/text_codec.h"
#include "fake/rest_dialect.h"

namespace crm::fake {
namespace {

constexpr std::string_view kPersons = "/api/v2/persons";
constexpr std::string_view kOrganizations = "/api/v2/organizations";
constexpr std::string_view kPipedriveTokenPath = "/oauth/token";
constexpr int64_t kMaxLimit = 500;
constexpr size_t kMaxIds = 100;
constexpr int64_t kWindowMs = 2000;
constexpr int64_t kListCost = 10;  // x-token-cost of GET /persons and /organizations
constexpr int64_t kDayMs = 86'400'000;
constexpr std::string_view kErrorInfo = "Please check developers.pipedrive.com for more information about Pipedrive API.";

int64_t env_int(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  if (!v) return fallback;
  auto n = parse_int(v);
  return n && *n >= 0 ? *n : fallback;
}

std::string pd_body(int status, std::string_view message) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("success", false).field("error", message).field("errorCode", int64_t{status});
  w.field("error_info", kErrorInfo).end_object();
  return out;
}

ServerResponse bad_request(std::string_view message) { return ServerResponse::json(400, pd_body(400, message)); }

// RFC 3339 with a zone: "2025-01-01T10:20:00Z" or "+01:00"; a naive time is refused.
std::optional<int64_t> rfc3339_ms(std::string_view s) {
  if (s.size() < 20 || s[10] != 'T') return std::nullopt;
  if (s.back() != 'Z' && s[s.size() - 3] != ':') return std::nullopt;
  auto t = parse_iso8601(s);
  if (!t) return std::nullopt;
  return to_ms(*t);
}

std::string rfc3339(int64_t ms) { return format_iso8601_seconds(from_ms(ms)); }



}  // namespace

std::string pipedrive_time(int64_t ms) { return rfc3339(ms); }

void append_pipedrive_channel(JsonWriter& w, std::string_view key, std::string_view value) {
  w.key(key).begin_array();
  if (!value.empty()) w.begin_object().field("value", value).field("primary", true).field("label", "work").end_object();
  w.end_array();
}

void append_pipedrive_item(JsonWriter& w, const FakeRecord& r, uint64_t org_id) {
  const bool organization = r.company;
  w.begin_object().field("id", static_cast<int64_t>(r.id)).key("name").string_or_null(r.full_name);
  if (!organization) w.key("first_name").string_or_null(r.first_name).key("last_name").string_or_null(r.last_name);
  w.field("owner_id", int64_t{1});
  if (!organization) {
    w.key("org_id");
    if (org_id) w.value(static_cast<int64_t>(org_id));
    else w.null();
  }
  w.field("add_time", rfc3339(kSeedBaseMs - 86'400'000)).field("update_time", rfc3339(r.modified_ms));
  if (!organization) {
    append_pipedrive_channel(w, "emails", r.email);
    append_pipedrive_channel(w, "phones", r.phone);
  } else {
    w.key("address").null();
  }
  w.field("is_deleted", false).field("visible_to", int64_t{3});
  w.key("label_ids").begin_array().end_array();
  w.key("custom_fields").begin_object().end_object();
  w.end_object();
}

struct PipedriveDialect::Query {
  size_t limit = 100;
  bool by_id = true;  // sort_by=id (the default) or update_time
  std::optional<OrderKey> after;
  int64_t since_ms = INT64_MIN;
  int64_t until_ms = INT64_MAX;
  std::vector<uint64_t> ids;
  std::optional<uint64_t> org_id;
};

PipedriveDialect::PipedriveDialect(const Dataset& data, TokenIssuer& tokens, const BaseUrl& base,
                                   size_t max_page_size, const Clock& clock)
    : data_(data),
      tokens_(tokens),
      base_(base),
      max_page_size_(std::max<size_t>(1, max_page_size)),
      clock_(clock),
      burst_(std::max<int64_t>(1, env_int("CRM_FAKE_PIPEDRIVE_BURST", 80))),
      daily_budget_(env_int("CRM_FAKE_PIPEDRIVE_DAILY_BUDGET", 0)) {}

namespace {

// "/api/v2/persons/{id}" or "/api/v2/organizations/{id}" → the id as it stands (maybe
// not a number); nullopt for any other path.
std::optional<std::string_view> record_id(std::string_view path, bool& organization) {
  for (std::string_view list : {kPersons, kOrganizations}) {
    if (!path.starts_with(list) || path.size() <= list.size() + 1 || path[list.size()] != '/') continue;
    std::string_view id = path.substr(list.size() + 1);
    if (id.find('/') != std::string_view::npos) return std::nullopt;  // /persons/{id}/followers …
    organization = list == kOrganizations;
    return id;
  }
  return std::nullopt;
}

}  // namespace

RouteKind PipedriveDialect::route(std::string_view path) const {
  if (path == kPersons || path == kOrganizations) return RouteKind::list;
  bool organization = false;
  if (record_id(path, organization)) return RouteKind::record;
  if (path.starts_with("/api/v1/") || path.starts_with("/api/v2/") || path == kPipedriveTokenPath) return RouteKind::other;
  return RouteKind::none;
}

bool PipedriveDialect::allows(std::string_view method, std::string_view path) const {
  if (path == kPipedriveTokenPath) return method == "POST";
  return method == "GET" || method == "HEAD";
}

ServerResponse PipedriveDialect::error(int status, std::string_view /*code*/, std::string_view message) const {
  std::string_view text = status == 401 ? "unauthorized access" : status == 429 ? "Request over limit" : message;
  auto r = ServerResponse::json(status, pd_body(status, text));
  if (status == 429) {
    r.headers.emplace_back("x-ratelimit-limit", std::to_string(burst_));
    r.headers.emplace_back("x-ratelimit-remaining", "0");
    r.headers.emplace_back("x-ratelimit-reset", "2");
  }
  return r;
}

int64_t PipedriveDialect::view_since_ms(const ServerRequest& req) const {
  if (auto s = req.param("updated_since"))
    if (auto ms = rfc3339_ms(*s)) return *ms;
  return INT64_MIN;
}

std::optional<ServerResponse> PipedriveDialect::throttle(bool list_request,
                                                         std::vector<std::pair<std::string, std::string>>& headers) const {
  const int64_t now = to_ms(clock_.now());
  std::lock_guard lock(mu_);
  if (daily_budget_ > 0 && list_request) {
    const int64_t day = now / kDayMs;
    if (day != budget_day_) {
      budget_day_ = day;
      budget_used_ = 0;
    }
    if (budget_used_ + kListCost > daily_budget_) {
      auto r = ServerResponse::json(429, pd_body(429, "Request over limit"));
      r.headers.emplace_back("x-ratelimit-limit", std::to_string(burst_));
      r.headers.emplace_back("x-ratelimit-remaining", "0");
      r.headers.emplace_back("x-ratelimit-reset", std::to_string(((day + 1) * kDayMs - now + 999) / 1000));
      return r;
    }
    budget_used_ += kListCost;
  }
  if (now - window_start_ms_ >= kWindowMs) {
    window_start_ms_ = now;
    window_used_ = 0;
  }
  const int64_t reset_s = std::max<int64_t>(1, (window_start_ms_ + kWindowMs - now + 999) / 1000);
  headers.emplace_back("x-ratelimit-limit", std::to_string(burst_));
  headers.emplace_back("x-ratelimit-reset", std::to_string(reset_s));
  if (window_used_ >= burst_) {
    headers.emplace_back("x-ratelimit-remaining", "0");
    auto r = ServerResponse::json(429, pd_body(429, "Request over limit"));
    r.headers = headers;
    return r;
  }
  ++window_used_;
  headers.emplace_back("x-ratelimit-remaining", std::to_string(burst_ - window_used_));
  return std::nullopt;
}

ServerResponse PipedriveDialect::handle(const ServerRequest& req) const {
  if (req.path == kPipedriveTokenPath) return token(req);
  // Authentication first, as at the real service.
  std::string_view auth = req.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  const bool ok = req.header("x-api-token") == kPipedriveApiToken || req.param("api_token") == kPipedriveApiToken ||
                  (auth.starts_with(kBearer) && tokens_.valid(auth.substr(kBearer.size())));
  if (!ok) return error(401, "unauthorized", "");
  std::vector<std::pair<std::string, std::string>> headers;
  const bool listing = req.path == kPersons || req.path == kOrganizations;
  if (auto refused = throttle(listing, headers)) return *refused;
  bool organization = false;
  auto id = listing ? std::nullopt : record_id(req.path, organization);
  ServerResponse r = listing ? list(req, req.path == kOrganizations)
                     : id    ? one(*id, organization)
                             : ServerResponse::json(404, pd_body(404, "Not found"));
  for (auto& h : headers) r.headers.push_back(std::move(h));
  return r;
}

ServerResponse PipedriveDialect::token(const ServerRequest& req) const {
  auto oauth_error = [](int status, std::string_view err, std::string_view description) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("success", false).field("error", err).field("error_description", description).end_object();
    return ServerResponse::json(status, std::move(out));
  };
  // https://pipedrive.readme.io/docs/marketplace-oauth-authorization: the client id and
  // secret come as HTTP Basic credentials, the grant in the form body.
  auto creds = basic_credentials(req.header("authorization"));
  if (!creds || *creds != fmt::format("{}:{}", kPipedriveClientId, kPipedriveClientSecret))
    return oauth_error(401, "invalid_client", "Invalid client credentials");
  if (form_field(req.body, "grant_type").value_or("") != "refresh_token")
    return oauth_error(400, "unsupported_grant_type", "Grant type not supported");
  if (form_field(req.body, "refresh_token").value_or("") != kPipedriveRefreshToken)
    return oauth_error(400, "invalid_grant", "Invalid refresh token");
  std::string token = tokens_.issue(std::chrono::seconds(3599));
  if (token.empty()) return oauth_error(400, "invalid_grant", "Invalid refresh token");
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("access_token", token).field("token_type", "Bearer");
  w.field("refresh_token", kPipedriveRefreshToken).field("scope", "contacts:read");
  w.field("expires_in", int64_t{3599}).field("api_domain", base_.get()).end_object();
  return ServerResponse::json(200, std::move(out));
}

// GET /api/v2/{persons|organizations}/{id}: the item as the lists render it; an unknown
// or deleted id, or one of the other object, is Pipedrive's 404. A non-numeric id is its
// 400 (the path parameter is an integer).
ServerResponse PipedriveDialect::one(std::string_view id_text, bool organization) const {
  auto id = parse_uint(id_text);
  if (!id) return bad_request("Parameter 'id' must be an integer");
  auto r = data_.get(*id);
  if (!r || r->company != organization)
    return ServerResponse::json(404, pd_body(404, organization ? "Organization not found" : "Person not found"));
  std::string body;
  JsonWriter w(body);
  w.begin_object().field("success", true).key("data");
  append_pipedrive_item(w, *r, organization ? 0 : org_of(*r));
  w.end_object();
  return ServerResponse::json(200, std::move(body));
}

uint64_t PipedriveDialect::org_of(const FakeRecord& person) const {
  if (person.company_name.empty()) return 0;
  std::vector<uint64_t> candidates;
  {
    std::lock_guard lock(mu_);
    if (!index_built_) {
      // Every company known at the first request, by name (bounded by the dataset).
      for (uint64_t after = 0;;) {
        auto chunk = data_.by_id(after, 5000);
        if (chunk.empty()) break;
        for (const auto& r : chunk)
          if (r.company) companies_by_name_[r.full_name].push_back(r.id);
        after = chunk.back().id;
      }
      index_built_ = true;
    }
    auto it = companies_by_name_.find(person.company_name);
    if (it == companies_by_name_.end()) return 0;
    candidates = it->second;
  }
  // The organization stays the person's when it is renamed later (its name changes, the
  // person is not touched): candidates are pinned by the name they had at the first request.
  for (uint64_t id : candidates) {
    auto r = data_.get(id);
    if (r && r->company) return id;
  }
  return 0;
}

std::string PipedriveDialect::org_name(uint64_t org_id) const {
  auto r = data_.get(org_id);
  return r && r->company ? r->full_name : std::string();
}

ServerResponse PipedriveDialect::list(const ServerRequest& req, bool organizations) const {
  Query q;
  if (auto v = req.param("limit")) {
    auto n = parse_int(*v);
    if (!n || *n < 1) return bad_request("Parameter 'limit' must be a positive integer");
    if (*n > kMaxLimit) return bad_request("Parameter 'limit' must be less than or equal to 500");
    q.limit = static_cast<size_t>(*n);
  }
  q.limit = std::min(q.limit, max_page_size_);
  if (auto v = req.param("sort_by")) {
    if (*v == "update_time") q.by_id = false;
    else if (*v != "id") return bad_request(fmt::format("crm-fake supports sort_by id and update_time, not '{}'", *v));
  }
  if (auto v = req.param("sort_direction"); v && *v != "asc")
    return bad_request("crm-fake supports sort_direction=asc only");
  if (auto v = req.param("updated_since")) {
    auto ms = rfc3339_ms(*v);
    if (!ms) return bad_request(fmt::format("Invalid updated_since: '{}' is not an RFC 3339 date-time", *v));
    q.since_ms = *ms;
  }
  if (auto v = req.param("updated_until")) {
    auto ms = rfc3339_ms(*v);
    if (!ms) return bad_request(fmt::format("Invalid updated_until: '{}' is not an RFC 3339 date-time", *v));
    q.until_ms = *ms;
  }
  if (auto v = req.param("cursor"); v && !v->empty()) {
    auto key = decode_cursor(*v);
    if (!key) return bad_request("Invalid cursor");
    q.after = key;
  }
  if (auto v = req.param("ids"); v && !v->empty()) {
    std::string_view rest = *v;
    for (;;) {
      size_t comma = rest.find(',');
      auto id = parse_uint(rest.substr(0, comma));
      if (!id) return bad_request("Parameter 'ids' must be a comma separated list of integers");
      q.ids.push_back(*id);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (q.ids.size() > kMaxIds) return bad_request("Parameter 'ids' accepts up to 100 ids");
  }
  if (!organizations) {
    if (auto v = req.param("org_id")) {
      auto id = parse_uint(*v);
      if (!id) return bad_request("Parameter 'org_id' must be an integer");
      q.org_id = id;
    }
  }

  // The rows of the view, in the requested order, after the cursor; one more than the
  // page to know whether a next cursor is due.
  auto key_of = [&](const FakeRecord& r) {
    return q.by_id ? OrderKey{0, r.id} : OrderKey{r.modified_ms, r.id};
  };
  auto wanted = [&](const FakeRecord& r) {
    return r.company == organizations && r.modified_ms >= q.since_ms && r.modified_ms < q.until_ms &&
           (!q.after || before(*q.after, key_of(r)));
  };
  std::vector<FakeRecord> rows;
  const size_t want = q.limit + 1;
  if (!q.ids.empty()) {
    for (uint64_t id : q.ids)
      if (auto r = data_.get(id); r && wanted(*r)) rows.push_back(std::move(*r));
  } else if (q.org_id) {
    for (uint64_t after = 0; !org_name(*q.org_id).empty();) {  // bounded: one pass over the dataset
      auto chunk = data_.by_id(after, 5000);
      if (chunk.empty()) break;
      for (auto& r : chunk)
        if (wanted(r) && org_of(r) == *q.org_id) rows.push_back(std::move(r));
      after = chunk.back().id;
    }
  } else if (q.by_id) {
    for (uint64_t after = q.after ? q.after->id : 0; rows.size() < want;) {
      auto chunk = data_.by_id(after, std::min<size_t>(5000, want * 10));
      if (chunk.empty()) break;
      for (auto& r : chunk)
        if (wanted(r) && rows.size() < want) rows.push_back(std::move(r));
      after = chunk.back().id;
    }
  } else {
    OrderKey pos = q.after.value_or(OrderKey{INT64_MIN, 0});
    const int64_t since = q.since_ms;
    for (int guard = 0; guard < 1'000'000 && rows.size() < want; ++guard) {
      ListPage lp = data_.list_after(since, pos, std::min<size_t>(5000, want * 10));
      for (auto& r : lp.records) {
        pos = {r.modified_ms, r.id};
        if (wanted(r) && rows.size() < want) rows.push_back(std::move(r));
      }
      if (!lp.more || lp.records.empty() || pos.modified_ms >= q.until_ms) break;
    }
  }
  std::sort(rows.begin(), rows.end(), [&](const FakeRecord& a, const FakeRecord& b) { return before(key_of(a), key_of(b)); });
  const bool more = rows.size() > q.limit;
  if (more) rows.resize(q.limit);

  std::string body;
  body.reserve(256 + rows.size() * 500);
  JsonWriter w(body);
  w.begin_object().field("success", true).key("data").begin_array();
  for (const auto& r : rows) append_pipedrive_item(w, r, organizations ? 0 : org_of(r));
  w.end_array().key("additional_data").begin_object().key("next_cursor");
  if (more && !rows.empty()) w.value(encode_cursor(key_of(rows.back())));
  else w.null();
  w.end_object().end_object();
  return ServerResponse::json(200, std::move(body));
}

}  // namespace crm::fake
