#include "fake/zoho_dialect.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <optional>
#include <vector>

#include "core/json_writer.h"
#include "fake/form_body.h"
#include "core/text_codec.h"

namespace crm::fake {
namespace {

constexpr int64_t kMaxPerPage = 200;
constexpr int64_t kDiscreteLimit = 2000;     // records reachable with page numbers
constexpr uint64_t kTokenLimit = 100000;     // records reachable with page tokens
constexpr int64_t kTokenLifeMs = 24LL * 3600 * 1000;
constexpr int64_t kOrgOffsetMinutes = 330;   // the org's time zone: +05:30

constexpr std::array<std::string_view, 11> kContactFields = {
    "id", "First_Name", "Last_Name", "Full_Name", "Email", "Phone", "Account_Name",
    "Modified_Time", "Created_Time", "Mobile", "Lead_Source"};
constexpr std::array<std::string_view, 7> kAccountFields = {
    "id", "Account_Name", "Phone", "Website", "Modified_Time", "Created_Time", "Industry"};
constexpr std::array<std::string_view, 9> kVersions = {"v2", "v2.1", "v3", "v4", "v5", "v6", "v7", "v8", "v9"};

std::string zoho_body(std::string_view code, std::string_view message, std::string_view detail_key = {},
                      std::string_view detail_value = {}) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("code", code).key("details").begin_object();
  if (!detail_key.empty()) w.field(detail_key, detail_value);
  w.end_object().field("message", message).field("status", "error").end_object();
  return out;
}

ServerResponse fail(int status, std::string_view code, std::string_view message, std::string_view detail_key = {},
                    std::string_view detail_value = {}) {
  return ServerResponse::json(status, zoho_body(code, message, detail_key, detail_value));
}

// 2025-11-20T14:44:03+05:30: the org's zone, as Zoho writes every date-time.
std::string org_time(int64_t ms) {
  std::string iso = format_iso8601_seconds(from_ms(ms + kOrgOffsetMinutes * 60 * 1000));
  iso.pop_back();  // the Z
  return iso + fmt::format("+{:02}:{:02}", kOrgOffsetMinutes / 60, kOrgOffsetMinutes % 60);
}


// A parameter of the token request: Zoho reads the query string and the form body alike.
std::optional<std::string> token_param(const ServerRequest& req, std::string_view name) {
  if (auto q = req.param(name)) return std::string(*q);
  return form_field(req.body, name);
}

// /crm/{version}/{module}[/deleted] split up; nullopt when the path is not the API's.
struct ApiPath {
  std::string_view version, module, rest;
};
std::optional<ApiPath> split_path(std::string_view path) {
  constexpr std::string_view kCrm = "/crm/";
  if (!path.starts_with(kCrm)) return std::nullopt;
  path.remove_prefix(kCrm.size());
  ApiPath p;
  size_t slash = path.find('/');
  p.version = path.substr(0, slash);
  if (slash == std::string_view::npos) return p;
  path.remove_prefix(slash + 1);
  slash = path.find('/');
  p.module = path.substr(0, slash);
  if (slash != std::string_view::npos) p.rest = path.substr(slash + 1);
  return p;
}

std::optional<int64_t> int_param(const ServerRequest& req, std::string_view name) {
  auto v = req.param(name);
  if (!v) return std::nullopt;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size()) return INT64_MIN;
  return n;
}

// If-Modified-Since: ISO 8601 with an offset; the view is "modified strictly after", so
// at second resolution its inclusive lower bound is the next whole second.
std::optional<int64_t> since_from_header(std::string_view v, bool& bad) {
  bad = false;
  if (v.empty()) return std::nullopt;
  auto t = parse_iso8601(v);
  bool has_offset = v.size() >= 20 && (v.back() == 'Z' || v[v.size() - 3] == ':' || v[v.size() - 5] == '+' ||
                                       v[v.size() - 5] == '-');
  if (!t || !has_offset || v.find('T') == std::string_view::npos) {
    bad = true;
    return std::nullopt;
  }
  int64_t ms = to_ms(*t);
  int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  return (sec + 1) * 1000;
}

uint32_t fnv32(std::string_view s) {
  uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

// What a page token is bound to, and where it stands.
struct PageToken {
  uint32_t binding = 0;  // hash of fields, per_page, sort and If-Modified-Since
  OrderKey after;        // the last record served (Modified_Time asc order)
  uint64_t served = 0;   // records served before the next page
  int64_t expires_ms = 0;
};

std::string encode_token(const PageToken& t) {
  return base64url(fmt::format("{:08x}.{}.{}.{}.{}", t.binding, t.after.modified_ms, t.after.id, t.served,
                               t.expires_ms));
}

std::optional<PageToken> decode_token(std::string_view s) {
  auto raw = unbase64url(s);
  if (!raw) return std::nullopt;
  PageToken t;
  std::array<int64_t, 4> v{};
  std::string_view rest = *raw;
  size_t dot = rest.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto [p, ec] = std::from_chars(rest.data(), rest.data() + dot, t.binding, 16);
  if (ec != std::errc() || p != rest.data() + dot) return std::nullopt;
  rest.remove_prefix(dot + 1);
  for (size_t i = 0; i < v.size(); ++i) {
    dot = rest.find('.');
    std::string_view part = rest.substr(0, dot);
    auto [q, ec2] = std::from_chars(part.data(), part.data() + part.size(), v[i]);
    if (ec2 != std::errc() || q != part.data() + part.size()) return std::nullopt;
    if ((dot == std::string_view::npos) != (i + 1 == v.size())) return std::nullopt;
    if (dot != std::string_view::npos) rest.remove_prefix(dot + 1);
  }
  t.after = {v[0], static_cast<uint64_t>(v[1])};
  t.served = static_cast<uint64_t>(v[2]);
  t.expires_ms = v[3];
  return t;
}

// `fields`: a comma list of at most 50 names, each a field of the module.
std::optional<ServerResponse> parse_fields(std::string_view raw, bool accounts, std::vector<std::string>& out) {
  std::string_view rest = raw;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view f = rest.substr(0, comma);
    bool known = accounts ? std::find(kAccountFields.begin(), kAccountFields.end(), f) != kAccountFields.end()
                          : std::find(kContactFields.begin(), kContactFields.end(), f) != kContactFields.end();
    if (!known) return fail(400, "INVALID_DATA", "invalid data", "api_name", f);
    out.emplace_back(f);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (out.size() > 50) return fail(400, "LIMIT_EXCEEDED", "the fields limit is 50", "limit", "50");
  return std::nullopt;
}

// One record as Get Records and Get Record write it: the id and the fields asked for.
void write_record(JsonWriter& w, const FakeRecord& r, bool accounts, const std::vector<std::string>& fields) {
  auto wants = [&](std::string_view f) { return std::find(fields.begin(), fields.end(), f) != fields.end(); };
  w.begin_object().field("id", zoho_id(r.id));
  if (accounts) {
    if (wants("Account_Name")) w.key("Account_Name").string_or_null(r.full_name);
    if (wants("Website")) w.key("Website").null();
    if (wants("Industry")) w.key("Industry").null();
  } else {
    if (wants("First_Name")) w.key("First_Name").string_or_null(r.first_name);
    if (wants("Last_Name")) w.key("Last_Name").string_or_null(r.last_name);
    if (wants("Full_Name")) w.key("Full_Name").string_or_null(r.full_name);
    if (wants("Email")) w.key("Email").string_or_null(r.email);
    if (wants("Mobile")) w.key("Mobile").null();
    if (wants("Lead_Source")) w.key("Lead_Source").value(r.id % 2 ? "Web" : "Trade Show");
    if (wants("Account_Name")) {
      if (r.company_name.empty()) {
        w.key("Account_Name").null();
      } else {
        w.key("Account_Name").begin_object().field("name", r.company_name);
        w.field("id", fmt::format("{}", kZohoIdBase + 900000000 + fnv32(r.company_name) % 1000000)).end_object();
      }
    }
  }
  if (wants("Phone")) w.key("Phone").string_or_null(r.phone);
  if (wants("Created_Time")) w.field("Created_Time", org_time(r.modified_ms));
  if (wants("Modified_Time")) w.field("Modified_Time", org_time(r.modified_ms));
  w.end_object();
}

// A Get Record path's last segment: a numeric id ("deleted", "search", … are other routes).
bool is_record_id(std::string_view s) {
  return !s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::string zoho_id(uint64_t id) { return fmt::format("{}", kZohoIdBase + id); }

ZohoDialect::ZohoDialect(const Dataset& data, TokenIssuer& tokens, const BaseUrl& base, size_t max_page_size,
                         const Clock& clock)
    : data_(data), tokens_(tokens), base_(base), max_page_size_(std::max<size_t>(1, max_page_size)), clock_(clock) {}

RouteKind ZohoDialect::route(std::string_view path) const {
  if (path == "/oauth/v2/token") return RouteKind::other;
  auto p = split_path(path);
  if (!p) return RouteKind::none;
  if ((p->module == "Contacts" || p->module == "Accounts") && p->rest.empty()) return RouteKind::list;
  if ((p->module == "Contacts" || p->module == "Accounts") && is_record_id(p->rest)) return RouteKind::record;
  return RouteKind::other;
}

bool ZohoDialect::allows(std::string_view method, std::string_view path) const {
  if (path == "/oauth/v2/token") return method == "POST";
  return method == "GET" || method == "HEAD";
}

ServerResponse ZohoDialect::error(int status, std::string_view /*code*/, std::string_view message) const {
  switch (status) {
    case 401: return fail(401, "INVALID_TOKEN", "invalid oauth token");
    case 403: return fail(403, "NO_PERMISSION", "permission denied");
    case 404: return fail(404, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one");
    case 429: return fail(429, "TOO_MANY_REQUESTS", "The number of API requests exceeded the allowed limit");
    default: break;
  }
  if (status >= 500) return fail(status, "INTERNAL_ERROR", "Internal Server Error");
  return fail(status, "INVALID_DATA", message);
}

int64_t ZohoDialect::view_since_ms(const ServerRequest& req) const {
  bool bad = false;
  auto since = since_from_header(req.header("if-modified-since"), bad);
  return since && !bad ? *since : INT64_MIN;
}

ServerResponse ZohoDialect::handle(const ServerRequest& req) const {
  if (req.path == "/oauth/v2/token") return token(req);
  // Authentication first, as at the real service.
  std::string_view auth = req.header("authorization");
  constexpr std::string_view kScheme = "Zoho-oauthtoken ";
  if (!auth.starts_with(kScheme)) return fail(401, "AUTHENTICATION_FAILURE", "Authentication failed");
  std::string_view token = auth.substr(kScheme.size());
  constexpr std::string_view kTokenPrefix = "1000.";  // Zoho's access tokens start so
  if (!token.starts_with(kTokenPrefix) || !tokens_.valid(token.substr(kTokenPrefix.size())))
    return error(401, "", "");
  auto p = split_path(req.path);
  if (!p || std::find(kVersions.begin(), kVersions.end(), p->version) == kVersions.end())
    return error(404, "", "");
  if (p->module != "Contacts" && p->module != "Accounts")
    return fail(400, "INVALID_MODULE", "the module name given seems to be invalid", "resource_path_index", "0");
  const bool accounts = p->module == "Accounts";
  if (p->rest.empty()) return list(req, accounts);
  if (p->rest == "deleted") return deleted(req, accounts);
  if (is_record_id(p->rest)) return record(req, accounts, p->rest);
  return error(404, "", "");
}

ServerResponse ZohoDialect::token(const ServerRequest& req) const {
  auto answer = [](std::string_view err) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("error", err).end_object();
    return ServerResponse::json(200, std::move(out));  // Zoho refuses with HTTP 200
  };
  if (token_param(req, "grant_type") != "refresh_token") return answer("unsupported_grant_type");
  if (token_param(req, "client_id") != kZohoClientId || token_param(req, "client_secret") != kZohoClientSecret)
    return answer("invalid_client");
  if (token_param(req, "refresh_token") != kZohoRefreshToken) return answer("invalid_code");
  std::string token = tokens_.issue(std::chrono::seconds(3600));
  if (token.empty()) return answer("invalid_code");  // revoked
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("access_token", "1000." + token).field("scope", "ZohoCRM.modules.ALL");
  w.field("api_domain", base_.get()).field("token_type", "Bearer").field("expires_in", int64_t{3600});
  w.end_object();
  return ServerResponse::json(200, std::move(out));
}

ServerResponse ZohoDialect::list(const ServerRequest& req, bool accounts) const {
  // fields: mandatory, at most 50, each a field of the module.
  auto fields_raw = req.param("fields");
  if (!fields_raw || fields_raw->empty())
    return fail(400, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", "param", "fields");
  std::vector<std::string> fields;
  if (auto bad = parse_fields(*fields_raw, accounts, fields)) return std::move(*bad);
  std::string sort_by(req.param("sort_by").value_or("id"));
  std::string sort_order(req.param("sort_order").value_or("desc"));
  if (sort_by != "id" && sort_by != "Created_Time" && sort_by != "Modified_Time")
    return fail(400, "INVALID_DATA", "invalid data", "param_name", "sort_by");
  if (sort_order != "asc" && sort_order != "desc")
    return fail(400, "INVALID_DATA", "invalid data", "param_name", "sort_order");

  auto per_page_param = int_param(req, "per_page");
  if (per_page_param && *per_page_param < 1)
    return fail(400, "INVALID_DATA", "invalid data", "param_name", "per_page");
  const int64_t per_page =
      std::min<int64_t>({per_page_param.value_or(kMaxPerPage), kMaxPerPage, static_cast<int64_t>(max_page_size_)});

  bool bad_since = false;
  std::string_view ims = req.header("if-modified-since");
  auto since = since_from_header(ims, bad_since);
  if (bad_since)
    return fail(400, "INVALID_DATA", "the If-Modified-Since header must be a date-time with an offset",
                "header_name", "If-Modified-Since");
  const int64_t since_ms = since.value_or(INT64_MIN);

  const uint32_t binding = fnv32(fmt::format("{}|{}|{}|{}|{}|{}", *fields_raw, per_page_param.value_or(0), sort_by,
                                             sort_order, ims, accounts));
  const int64_t now_ms = to_ms(clock_.now());
  uint64_t offset = 0;
  std::optional<OrderKey> after;
  int64_t page_no = 1;
  if (auto pt = req.param("page_token")) {
    auto t = decode_token(*pt);
    if (!t) return fail(400, "INVALID_DATA", "invalid data", "param_name", "page_token");
    if (t->binding != binding)
      return fail(400, "TOKEN_BOUND_DATA_MISMATCH", "the parameters of the request do not match the page token",
                  "param_name", "page_token");
    if (now_ms > t->expires_ms) return fail(400, "EXPIRED_VALUE", "the page token has expired", "param_name", "page_token");
    if (t->served >= kTokenLimit)
      return fail(400, "PAGINATION_LIMIT_EXCEEDED", "you cannot fetch more than 100000 records", "limit", "100000");
    offset = t->served;
    after = t->after;
    page_no = static_cast<int64_t>(t->served / static_cast<uint64_t>(per_page)) + 1;
  } else {
    auto page = int_param(req, "page");
    if (page && *page < 1) return fail(400, "INVALID_DATA", "invalid data", "param_name", "page");
    page_no = page.value_or(1);
    if ((page_no - 1) * per_page >= kDiscreteLimit)
      return fail(400, "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                  "you cannot fetch more than 2000 records with page numbers; use page_token", "limit", "2000");
    offset = static_cast<uint64_t>((page_no - 1) * per_page);
  }

  // The module's records in the view, from the position, per_page + 1 of them.
  std::vector<FakeRecord> rows;
  const size_t want = static_cast<size_t>(per_page) + 1;
  const bool natural = sort_by != "id" && sort_order == "asc";  // the Dataset's own order
  if (natural) {
    OrderKey pos = after.value_or(OrderKey{INT64_MIN, 0});
    uint64_t skip = after ? 0 : offset;  // page numbers are offsets over the moving set
    for (int guard = 0; guard < 1'000'000 && rows.size() < want; ++guard) {
      ListPage lp = data_.list_after(since_ms, pos, 2000);
      for (auto& r : lp.records) {
        pos = {r.modified_ms, r.id};
        if (r.company != accounts) continue;
        if (skip > 0) --skip;
        else if (rows.size() < want) rows.push_back(std::move(r));
      }
      if (!lp.more || lp.records.empty()) break;
    }
  } else {
    // Any other order: the whole view, sorted (the fake's datasets are small).
    std::vector<FakeRecord> all;
    OrderKey pos{INT64_MIN, 0};
    for (int guard = 0; guard < 1'000'000; ++guard) {
      ListPage lp = data_.list_after(since_ms, pos, 5000);
      for (auto& r : lp.records) {
        pos = {r.modified_ms, r.id};
        if (r.company == accounts) all.push_back(std::move(r));
      }
      if (!lp.more || lp.records.empty()) break;
    }
    auto less = [&](const FakeRecord& a, const FakeRecord& b) {
      if (sort_by == "id") return a.id < b.id;
      return before({a.modified_ms, a.id}, {b.modified_ms, b.id});
    };
    std::sort(all.begin(), all.end(), less);
    if (sort_order == "desc") std::reverse(all.begin(), all.end());
    for (size_t i = static_cast<size_t>(offset); i < all.size() && rows.size() < want; ++i) rows.push_back(all[i]);
  }
  if (rows.empty()) {
    ServerResponse r;
    r.status = 204;  // nothing in the view: no body at all
    return r;
  }
  const bool more = rows.size() > static_cast<size_t>(per_page);
  if (more) rows.resize(static_cast<size_t>(per_page));

  std::string body;
  body.reserve(256 + rows.size() * 400);
  JsonWriter w(body);
  w.begin_object().key("data").begin_array();
  for (const FakeRecord& r : rows) write_record(w, r, accounts, fields);
  w.end_array();
  w.key("info").begin_object();
  w.field("per_page", per_page).field("count", static_cast<int64_t>(rows.size())).field("page", page_no);
  w.field("sort_by", sort_by).field("sort_order", sort_order).field("more_records", more);
  if (more) {
    PageToken t{binding, {rows.back().modified_ms, rows.back().id}, offset + rows.size(), now_ms + kTokenLifeMs};
    if (!natural) t.after = {INT64_MIN, 0};
    w.field("next_page_token", encode_token(t));
    w.field("page_token_expiry", org_time(t.expires_ms / 1000 * 1000));
  } else {
    w.key("next_page_token").null();
  }
  w.key("previous_page_token").null();
  w.end_object().end_object();
  return ServerResponse::json(200, std::move(body));
}

ServerResponse ZohoDialect::deleted(const ServerRequest& req, bool accounts) const {
  std::string type(req.param("type").value_or("all"));
  if (type != "all" && type != "recycle" && type != "permanent")
    return fail(400, "INVALID_DATA", "invalid data", "param_name", "type");
  auto per_page_param = int_param(req, "per_page");
  auto page_param = int_param(req, "page");
  if ((per_page_param && *per_page_param < 1) || (page_param && *page_param < 1))
    return fail(400, "INVALID_DATA", "invalid data", "param_name", per_page_param && *per_page_param < 1 ? "per_page" : "page");
  const int64_t per_page = std::min<int64_t>(per_page_param.value_or(kMaxPerPage), kMaxPerPage);
  const int64_t page = page_param.value_or(1);
  if ((page - 1) * per_page >= kDiscreteLimit)
    return fail(400, "DISCRETE_PAGINATION_LIMIT_EXCEEDED", "you cannot fetch more than 2000 records with page numbers",
                "limit", "2000");
  bool bad_since = false;
  auto since = since_from_header(req.header("if-modified-since"), bad_since);
  if (bad_since)
    return fail(400, "INVALID_DATA", "the If-Modified-Since header must be a date-time with an offset",
                "header_name", "If-Modified-Since");

  std::vector<DeletedRecord> rows;
  for (auto& d : data_.deleted_since(since.value_or(INT64_MIN))) {
    if (d.last.company != accounts) continue;
    const bool permanent = d.merged_into != 0;  // a merge deletes the children outright
    if ((type == "recycle" && permanent) || (type == "permanent" && !permanent)) continue;
    rows.push_back(std::move(d));
  }
  std::reverse(rows.begin(), rows.end());  // newest first
  const size_t from = static_cast<size_t>((page - 1) * per_page);
  if (from >= rows.size()) {
    ServerResponse r;
    r.status = 204;
    return r;
  }
  const size_t to = std::min(rows.size(), from + static_cast<size_t>(per_page));
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("data").begin_array();
  for (size_t i = from; i < to; ++i) {
    const DeletedRecord& d = rows[i];
    w.begin_object().key("deleted_by").begin_object().field("name", "Ops User").field("id", zoho_id(7)).end_object();
    w.field("id", zoho_id(d.last.id)).key("display_name").string_or_null(d.last.full_name);
    w.field("type", d.merged_into ? "permanent" : "recycle").key("created_by").null();
    w.field("deleted_time", org_time(d.deleted_ms)).end_object();
  }
  w.end_array().key("info").begin_object();
  w.field("per_page", per_page).field("count", static_cast<int64_t>(to - from)).field("page", page);
  w.field("more_records", to < rows.size()).end_object().end_object();
  return ServerResponse::json(200, std::move(body));
}

ServerResponse ZohoDialect::record(const ServerRequest& req, bool accounts, std::string_view id) const {
  // Get Record takes `fields` as Get Records does (optional here: without it every field).
  std::vector<std::string> fields;
  if (auto raw = req.param("fields"); raw && !raw->empty()) {
    if (auto bad = parse_fields(*raw, accounts, fields)) return std::move(*bad);
  } else {
    if (accounts) fields.assign(kAccountFields.begin(), kAccountFields.end());
    else fields.assign(kContactFields.begin(), kContactFields.end());
  }
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
  std::optional<FakeRecord> r;
  if (ec == std::errc() && end == id.data() + id.size() && n > kZohoIdBase) r = data_.get(n - kZohoIdBase);
  if (!r || r->company != accounts) {
    // A record in the recycle bin (deleted, merged away) has no content any more; an id
    // that never was one is refused as invalid data.
    bool binned = false;
    if (n > kZohoIdBase)
      for (const auto& d : data_.deleted_since(INT64_MIN))
        if (d.last.id == n - kZohoIdBase && d.last.company == accounts) binned = true;
    if (binned) {
      ServerResponse empty;
      empty.status = 204;
      return empty;
    }
    return fail(400, "INVALID_DATA", "the related id given seems to be invalid", "id", id);
  }
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("data").begin_array();
  write_record(w, *r, accounts, fields);
  w.end_array().end_object();
  return ServerResponse::json(200, std::move(body));
}

}  // namespace crm::fake
