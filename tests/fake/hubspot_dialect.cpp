#include "fake/hubspot_dialect.h"


#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <atomic>
#include <climits>
#include <vector>

#include "core/json_writer.h"
#include "fake/form_body.h"
#include "core/text_codec.h"
#include "fake/rest_dialect.h"

namespace crm::fake {
namespace {

constexpr std::string_view kPrefix = "/crm/v3/objects/";
constexpr std::string_view kToken = "/oauth/v1/token";
constexpr size_t kListMax = 100, kListDefault = 10, kSearchMax = 200, kSearchDefault = 10;
constexpr uint64_t kSearchCap = 10000;  // results a search query can ever page through
constexpr int64_t kTokenTtlSeconds = 1800;

struct Target {
  bool companies = false;
  bool search = false;
  std::optional<std::string> id;  // GET {type}/{id}: one object
};

std::optional<Target> target_of(std::string_view path) {
  if (!path.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = path.substr(kPrefix.size());
  Target t;
  if (rest.ends_with("/search")) {
    t.search = true;
    rest.remove_suffix(7);
  } else if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    if (slash + 1 == rest.size() || rest.find('/', slash + 1) != std::string_view::npos) return std::nullopt;
    t.id = std::string(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
  }
  if (rest == "contacts") t.companies = false;
  else if (rest == "companies") t.companies = true;
  else return std::nullopt;
  return t;
}

std::string_view modified_property(bool companies) {
  return companies ? "hs_lastmodifieddate" : "lastmodifieddate";
}

std::string correlation_id() {
  static std::atomic<uint64_t> n{0};
  uint64_t v = ++n;
  return fmt::format("2b0c1a52-7f0e-4a55-9a39-{:012x}", v);
}

std::string error_body(std::string_view message, std::string_view category) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("status", "error").field("message", message).field("correlationId", correlation_id());
  w.field("category", category).end_object();
  return out;
}

ServerResponse validation_error(std::string_view message) {
  return ServerResponse::json(400, error_body(message, "VALIDATION_ERROR"));
}



bool bearer_token(std::string_view header, std::string_view& token) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return false;
  token = header.substr(kScheme.size());
  return true;
}

// A filter value: a JSON string or number; times ISO 8601 or epoch milliseconds.
std::optional<int64_t> filter_value(simdjson::dom::element v, bool is_time) {
  std::string text;
  std::string_view sv;
  int64_t i = 0;
  uint64_t u = 0;
  if (!v.get_string().get(sv)) text = std::string(sv);
  else if (!v.get_int64().get(i)) text = std::to_string(i);
  else if (!v.get_uint64().get(u)) text = std::to_string(u);
  else return std::nullopt;
  if (auto n = parse_uint(text)) return static_cast<int64_t>(std::min<uint64_t>(*n, INT64_MAX / 2));
  if (!is_time) return std::nullopt;
  auto t = parse_iso8601(text);
  if (!t) return std::nullopt;
  return to_ms(*t);
}

enum class Op { eq, neq, gt, gte, lt, lte };

struct Cond {
  bool on_id = false;  // else on the modification time
  Op op = Op::eq;
  int64_t value = 0;
};

bool test(const Cond& c, const OrderKey& k) {
  int64_t x = c.on_id ? static_cast<int64_t>(k.id) : k.modified_ms;
  switch (c.op) {
    case Op::eq: return x == c.value;
    case Op::neq: return x != c.value;
    case Op::gt: return x > c.value;
    case Op::gte: return x >= c.value;
    case Op::lt: return x < c.value;
    case Op::lte: return x <= c.value;
  }
  return false;
}

struct SearchQuery {
  std::vector<std::vector<Cond>> groups;
  bool sort_by_id = false;
  bool descending = false;
  bool sorted = false;
  uint64_t limit = kSearchDefault;
  uint64_t after = 0;
  std::string properties;  // comma list, "" = defaults
  int64_t lower_ms = INT64_MIN, upper_ms = INT64_MAX;  // scan bounds on the time
};

Result<SearchQuery> parse_search(std::string_view body, bool companies) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) || !root.is_object())
    return Error::data("Invalid input JSON on line 1: the request body is not a JSON object");
  SearchQuery q;
  const std::string_view modprop = modified_property(companies);
  if (auto v = root["limit"]; !v.error()) {
    int64_t n = 0;
    if (v.get_int64().get(n) || n < 1 || n > static_cast<int64_t>(kSearchMax))
      return Error::data(fmt::format("limit: must be an integer between 1 and {}", kSearchMax));
    q.limit = static_cast<uint64_t>(n);
  }
  if (auto v = root["after"]; !v.error()) {
    std::string_view s;
    int64_t n = 0;
    if (!v.get_string().get(s)) {
      auto u = parse_uint(s);
      if (!u && !s.empty()) return Error::data(fmt::format("after: '{}' is not a valid paging cursor", s));
      q.after = u.value_or(0);
    } else if (!v.get_int64().get(n) && n >= 0) {
      q.after = static_cast<uint64_t>(n);
    } else {
      return Error::data("after: must be a string");
    }
  }
  simdjson::dom::array groups;
  if (auto v = root["filterGroups"]; !v.error()) {
    if (v.get_array().get(groups)) return Error::data("filterGroups: must be an array");
    if (groups.size() > 5) return Error::data("filterGroups: at most 5 groups");
    int64_t lower = INT64_MAX, upper = INT64_MIN;
    for (auto g : groups) {
      simdjson::dom::array filters;
      if (g["filters"].get_array().get(filters)) return Error::data("filterGroups[].filters: must be an array");
      if (filters.size() > 6) return Error::data("filterGroups[].filters: at most 6 filters per group");
      std::vector<Cond> conds;
      int64_t glo = INT64_MIN, ghi = INT64_MAX;
      for (auto f : filters) {
        std::string_view prop, op;
        if (f["propertyName"].get_string().get(prop) || f["operator"].get_string().get(op))
          return Error::data("filters: each needs propertyName and operator");
        Cond c;
        if (prop == "hs_object_id") c.on_id = true;
        else if (prop != modprop)
          return Error::data(fmt::format("There was a problem with the request: property '{}' cannot be used in a filter here (the fake filters on {} and hs_object_id)", prop, modprop));
        if (op == "EQ") c.op = Op::eq;
        else if (op == "NEQ") c.op = Op::neq;
        else if (op == "GT") c.op = Op::gt;
        else if (op == "GTE") c.op = Op::gte;
        else if (op == "LT") c.op = Op::lt;
        else if (op == "LTE") c.op = Op::lte;
        else return Error::data(fmt::format("operator '{}' is not supported here", op));
        auto value = f["value"];
        std::optional<int64_t> parsed = value.error() ? std::nullopt : filter_value(value.value_unsafe(), !c.on_id);
        if (!parsed) return Error::data(fmt::format("filter on {}: missing or invalid value", prop));
        c.value = *parsed;
        if (!c.on_id) {
          if (c.op == Op::eq || c.op == Op::gte) glo = std::max(glo, c.value);
          if (c.op == Op::gt) glo = std::max(glo, c.value + 1);
          if (c.op == Op::eq || c.op == Op::lte) ghi = std::min(ghi, c.value);
          if (c.op == Op::lt) ghi = std::min(ghi, c.value - 1);
        }
        conds.push_back(c);
      }
      lower = std::min(lower, glo);
      upper = std::max(upper, ghi);
      q.groups.push_back(std::move(conds));
    }
    if (!q.groups.empty()) {
      q.lower_ms = lower;
      q.upper_ms = upper;
    }
  }
  if (auto v = root["sorts"]; !v.error()) {
    simdjson::dom::array sorts;
    if (v.get_array().get(sorts)) return Error::data("sorts: must be an array");
    if (sorts.size() > 1) return Error::data("sorts: only one sort is supported");
    for (auto s : sorts) {
      std::string_view prop, dir = "ASCENDING";
      if (s.get_string().get(prop)) {
        if (s["propertyName"].get_string().get(prop)) return Error::data("sorts[].propertyName: missing");
        if (auto d = s["direction"]; !d.error() && d.get_string().get(dir)) return Error::data("sorts[].direction: must be a string");
      }
      if (prop == "hs_object_id") q.sort_by_id = true;
      else if (prop != modprop) return Error::data(fmt::format("sorts: the fake sorts on {} or hs_object_id, not '{}'", modprop, prop));
      if (dir == "DESCENDING") q.descending = true;
      else if (dir != "ASCENDING") return Error::data(fmt::format("sorts[].direction: '{}' is not ASCENDING or DESCENDING", dir));
      q.sorted = true;
    }
  }
  if (!q.sorted) q.sort_by_id = true;  // no sort asked: id order
  if (auto v = root["properties"]; !v.error()) {
    simdjson::dom::array props;
    if (v.get_array().get(props)) return Error::data("properties: must be an array of strings");
    for (auto p : props) {
      std::string_view s;
      if (p.get_string().get(s)) return Error::data("properties: must be an array of strings");
      q.properties += (q.properties.empty() ? "" : ",") + std::string(s);
    }
  }
  return q;
}

bool has_property(std::string_view list, std::string_view name) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string_view item = list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item == name) return true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return false;
}

std::string domain_of(const std::string& email) {
  size_t at = email.find('@');
  return at == std::string::npos ? std::string() : email.substr(at + 1);
}

}  // namespace

std::vector<std::pair<std::string_view, std::string>> hubspot_properties(const FakeRecord& r) {
  if (r.company) return {{"name", r.full_name}, {"phone", r.phone}, {"domain", domain_of(r.email)}};
  return {{"firstname", r.first_name}, {"lastname", r.last_name}, {"email", r.email}, {"phone", r.phone},
          {"company", r.company_name}};
}

HubspotDialect::HubspotDialect(const Dataset& data, TokenIssuer& tokens, std::string private_app_token,
                               double search_rate)
    : data_(data), tokens_(tokens), private_app_token_(std::move(private_app_token)), search_rate_(search_rate) {
  bucket_ = search_rate_;
  last_ = std::chrono::steady_clock::now();
}

std::string HubspotDialect::format_time(int64_t ms) {
  int64_t frac = ((ms % 1000) + 1000) % 1000;
  std::string s = format_iso8601_seconds(from_ms(ms - frac));
  if (!s.empty() && s.back() == 'Z') s.pop_back();
  return fmt::format("{}.{:03}Z", s, frac);
}

RouteKind HubspotDialect::route(std::string_view path) const {
  if (path == kToken) return RouteKind::other;
  if (auto t = target_of(path)) return t->id ? RouteKind::record : RouteKind::list;
  if (path.starts_with(kPrefix)) return RouteKind::other;  // answered 404 in the vendor's shape
  return RouteKind::none;
}

bool HubspotDialect::allows(std::string_view method, std::string_view path) const {
  if (path == kToken) return method == "POST";
  auto t = target_of(path);
  if (t && t->search) return method == "POST";
  return method == "GET" || method == "HEAD";
}

ServerResponse HubspotDialect::error(int status, std::string_view code, std::string_view message) const {
  if (status == 429) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("status", "error").field("message", "You have reached your ten_secondly_rolling limit.");
    w.field("errorType", "RATE_LIMIT").field("correlationId", correlation_id());
    w.field("policyName", "TEN_SECONDLY_ROLLING").field("groupName", "publicapi:private-app-ten-secondly:1234567").end_object();
    return ServerResponse::json(429, std::move(out));
  }
  std::string_view category = status == 401 ? "INVALID_AUTHENTICATION"
                              : status == 403 ? "MISSING_SCOPES"
                              : status == 404 ? "OBJECT_NOT_FOUND"
                              : status == 400 ? "VALIDATION_ERROR"
                              : status >= 500 ? "INTERNAL_ERROR"
                                              : code;
  return ServerResponse::json(status, error_body(message, category));
}

int64_t HubspotDialect::view_since_ms(const ServerRequest& req) const {
  auto t = target_of(req.path);
  if (!t || !t->search) return INT64_MIN;
  auto q = parse_search(req.body, t->companies);
  return q ? q->lower_ms : INT64_MIN;
}

bool HubspotDialect::authorized(const ServerRequest& req) const {
  std::string_view token;
  if (!bearer_token(req.header("authorization"), token)) return false;
  if (!private_app_token_.empty() && token == private_app_token_) return !tokens_.revoked();
  return tokens_.valid(token);
}

bool HubspotDialect::search_allowed() const {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  bucket_ = std::min(search_rate_, bucket_ + std::chrono::duration<double>(now - last_).count() * search_rate_);
  last_ = now;
  if (bucket_ < 1.0) return false;
  bucket_ -= 1.0;
  return true;
}

ServerResponse HubspotDialect::handle(const ServerRequest& req) const {
  if (req.path == kToken) return token_endpoint(req);
  if (!authorized(req)) {
    auto r = ServerResponse::json(
        401, error_body("Authentication credentials not found. This API supports OAuth 2.0 authentication and you can "
                        "find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                        "INVALID_AUTHENTICATION"));
    return r;
  }
  auto t = target_of(req.path);
  if (!t) return ServerResponse::json(404, error_body(fmt::format("Unable to infer object type from: {}", req.path), "OBJECT_NOT_FOUND"));
  if (t->id) return record(req, t->companies, *t->id);
  return t->search ? search(req, t->companies) : list(req, t->companies);
}

ServerResponse HubspotDialect::token_endpoint(const ServerRequest& req) const {
  auto fail = [](std::string_view status, std::string_view message) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("status", status).field("message", message).field("correlationId", correlation_id()).end_object();
    return ServerResponse::json(400, std::move(out));
  };
  std::string grant = form_field(req.body, "grant_type").value_or("");
  std::string refresh = form_field(req.body, "refresh_token").value_or("");
  if (grant != "refresh_token") return fail("BAD_GRANT_TYPE", "grant_type must be refresh_token");
  if (form_field(req.body, "client_id").value_or("").empty() ||
      form_field(req.body, "client_secret").value_or("").empty())
    return fail("BAD_CLIENT_ID", "missing or unknown client_id or client_secret");
  if (refresh.empty()) return fail("BAD_REFRESH_TOKEN", "missing or invalid refresh token");
  std::string access = tokens_.issue(std::chrono::seconds(kTokenTtlSeconds));
  if (access.empty()) return fail("BAD_REFRESH_TOKEN", "missing or invalid refresh token");
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("token_type", "bearer").field("refresh_token", refresh).field("access_token", access);
  w.field("expires_in", int64_t{kTokenTtlSeconds}).end_object();
  return ServerResponse::json(200, std::move(out));
}

void HubspotDialect::append_record(std::string& out, const FakeRecord& r, bool companies,
                                   std::string_view properties, bool archived, int64_t archived_ms) const {
  const std::string id = std::to_string(r.id);
  const int64_t created = r.id <= data_.seeded_count() ? std::min(r.modified_ms, seeded_modified_ms(r.id)) : r.modified_ms;
  const std::string modified = format_time(r.modified_ms);
  std::string merged;
  if (!archived)
    for (uint64_t m : data_.merged_ids(r.id)) merged += (merged.empty() ? "" : ";") + std::to_string(m);
  std::vector<std::pair<std::string_view, std::string>> props = hubspot_properties(r);
  props.emplace_back(modified_property(companies), modified);
  props.emplace_back("createdate", format_time(created));
  props.emplace_back("hs_object_id", id);
  props.emplace_back("hs_merged_object_ids", merged);

  JsonWriter w(out);
  w.begin_object().field("id", id).key("properties").begin_object();
  for (const auto& [name, value] : props) {
    // Only named properties come back; a few defaults always do.
    bool always = name == "createdate" || name == "hs_object_id" || name == modified_property(companies) ||
                  (properties.empty() && (name == "firstname" || name == "lastname" || name == "email" || name == "name" || name == "domain"));
    if (!always && !has_property(properties, name)) continue;
    w.key(name).string_or_null(value);
  }
  w.end_object();
  w.field("createdAt", format_time(created)).field("updatedAt", modified).field("archived", archived);
  if (archived) w.field("archivedAt", format_time(archived_ms));
  w.end_object();
}

ServerResponse HubspotDialect::list(const ServerRequest& req, bool companies) const {
  size_t limit = kListDefault;
  if (auto raw = req.param("limit")) {
    auto n = parse_uint(*raw);
    if (!n || *n < 1) return validation_error(fmt::format("limit: '{}' is not a positive integer", *raw));
    limit = static_cast<size_t>(std::min<uint64_t>(*n, kListMax));  // capped silently
  }
  bool archived = false;
  if (auto raw = req.param("archived")) {
    if (*raw == "true") archived = true;
    else if (*raw != "false") return validation_error(fmt::format("archived: '{}' is not true or false", *raw));
  }
  uint64_t after_id = 0;
  if (auto raw = req.param("after"); raw && !raw->empty()) {
    auto key = decode_cursor(*raw);
    if (!key) return validation_error(fmt::format("after: '{}' is not a valid paging cursor", *raw));
    after_id = key->id;
  }
  const std::string properties(req.param("properties").value_or(""));

  std::vector<FakeRecord> page;
  std::vector<int64_t> deleted_at;
  bool more = false;
  if (archived) {
    // Archived = deleted, not merged (a merged-away id vanishes without a trace).
    std::vector<DeletedRecord> all = data_.deleted_since(INT64_MIN);
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.last.id < b.last.id; });
    for (auto& d : all) {
      if (d.merged_into != 0 || d.last.company != companies || d.last.id <= after_id) continue;
      if (page.size() == limit) {
        more = true;
        break;
      }
      deleted_at.push_back(d.deleted_ms);
      page.push_back(std::move(d.last));
    }
  } else {
    // Id order: records edited while a client pages do not move.
    uint64_t cursor = after_id;
    const size_t max_rounds = data_.max_id() / 500 + 2;
    for (size_t round = 0; round < max_rounds && !more; ++round) {
      auto chunk = data_.by_id(cursor, 500);
      if (chunk.empty()) break;
      for (auto& r : chunk) {
        cursor = r.id;
        if (r.company != companies) continue;
        if (page.size() == limit) {
          more = true;
          break;
        }
        page.push_back(std::move(r));
      }
    }
  }
  std::string body = R"({"results":[)";
  for (size_t i = 0; i < page.size(); ++i) {
    if (i) body += ',';
    append_record(body, page[i], companies, properties, archived, archived ? deleted_at[i] : 0);
  }
  body += ']';
  if (more && !page.empty()) {
    std::string after = encode_cursor({0, page.back().id});
    body += fmt::format(R"(,"paging":{{"next":{{"after":"{}","link":"?after={}"}}}})", after, after);
  }
  body += '}';
  return ServerResponse::json(200, std::move(body));
}

ServerResponse HubspotDialect::record(const ServerRequest& req, bool companies, const std::string& id) const {
  bool archived = false;
  if (auto raw = req.param("archived")) {
    if (*raw == "true") archived = true;
    else if (*raw != "false") return validation_error(fmt::format("archived: '{}' is not true or false", *raw));
  }
  // HubSpot's answer for an id it does not hold (or of the other object type, or deleted
  // while archived=false is asked): 404 OBJECT_NOT_FOUND. Merged-away ids too.
  auto not_found = [&] {
    return ServerResponse::json(404, error_body("Object not found.  objectId are usually numeric.", "OBJECT_NOT_FOUND"));
  };
  auto n = parse_uint(id);
  if (!n) return not_found();
  const std::string properties(req.param("properties").value_or(""));
  std::string body;
  if (!archived) {
    auto r = data_.get(*n);
    if (!r || r->company != companies) return not_found();
    append_record(body, *r, companies, properties, false, 0);
  } else {
    for (const auto& d : data_.deleted_since(INT64_MIN)) {
      if (d.last.id != *n || d.merged_into != 0 || d.last.company != companies) continue;
      append_record(body, d.last, companies, properties, true, d.deleted_ms);
      break;
    }
    if (body.empty()) return not_found();
  }
  return ServerResponse::json(200, std::move(body));
}

ServerResponse HubspotDialect::search(const ServerRequest& req, bool companies) const {
  if (!search_allowed()) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("status", "error").field("message", "You have reached your secondly limit.");
    w.field("errorType", "RATE_LIMIT").field("correlationId", correlation_id());
    w.field("policyName", "SECONDLY").field("groupName", "publicapi:search-secondly:1234567").end_object();
    return ServerResponse::json(429, std::move(out));  // no rate-limit headers on search
  }
  auto q = parse_search(req.body, companies);
  if (!q) return validation_error(q.error().message);
  if (q->after + q->limit > kSearchCap)
    return validation_error(fmt::format("There was a problem with the request: paging past {} results is not "
                                        "allowed (after={}, limit={})", kSearchCap, q->after, q->limit));
  std::vector<OrderKey> matches;
  if (q->lower_ms <= q->upper_ms) {
    uint64_t offset = 0;
    const size_t max_rounds = data_.max_id() / 1000 + 2;
    for (size_t round = 0; round < max_rounds; ++round) {
      ListPage chunk = data_.list(q->lower_ms, offset, 1000);
      bool past = false;
      for (const auto& r : chunk.records) {
        if (r.modified_ms > q->upper_ms) {
          past = true;
          break;
        }
        if (r.company != companies) continue;
        OrderKey k{r.modified_ms, r.id};
        bool ok = q->groups.empty();
        for (const auto& g : q->groups) {
          if (std::all_of(g.begin(), g.end(), [&](const Cond& c) { return test(c, k); })) {
            ok = true;
            break;
          }
        }
        if (ok) matches.push_back(k);
      }
      offset += chunk.records.size();
      if (past || !chunk.more || chunk.records.empty()) break;
    }
  }
  // HubSpot sorts on one property and documents no order among equal values: records
  // sharing a timestamp come in a scrambled (but stable) order, not by id, so a client
  // cannot page an instant by "last id seen" without sorting on hs_object_id.
  if (q->sort_by_id) {
    std::sort(matches.begin(), matches.end(), [](const OrderKey& a, const OrderKey& b) { return a.id < b.id; });
  } else {
    auto scramble = [](uint64_t id) { return (id * 0x9E3779B97F4A7C15ull) >> 17; };
    std::sort(matches.begin(), matches.end(), [&](const OrderKey& a, const OrderKey& b) {
      if (a.modified_ms != b.modified_ms) return a.modified_ms < b.modified_ms;
      return scramble(a.id) != scramble(b.id) ? scramble(a.id) < scramble(b.id) : a.id < b.id;
    });
  }
  if (q->descending) std::reverse(matches.begin(), matches.end());

  const uint64_t total = matches.size();
  std::string body = fmt::format(R"({{"total":{},"results":[)", total);
  uint64_t end = std::min<uint64_t>(total, q->after + q->limit);
  bool first = true;
  for (uint64_t i = q->after; i < end; ++i) {
    auto r = data_.get(matches[i].id);
    if (!r) continue;  // deleted since the scan
    if (!first) body += ',';
    first = false;
    append_record(body, *r, companies, q->properties, false, 0);
  }
  body += ']';
  // paging.next whenever more results exist, even past the cap: a client that trusts it
  // walks into the 400.
  if (end < total) body += fmt::format(R"(,"paging":{{"next":{{"after":"{}","link":"?after={}"}}}})", end, end);
  body += '}';
  return ServerResponse::json(200, std::move(body));
}

}  // namespace crm::fake
