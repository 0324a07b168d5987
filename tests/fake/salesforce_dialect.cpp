#include "fake/salesforce_dialect.h"


#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>

#include "core/json_writer.h"
#include "fake/form_body.h"
#include "core/text_codec.h"

namespace crm::fake {
namespace {

constexpr std::string_view kDataPrefix = "/services/data/";
constexpr std::string_view kSalesforceTokenPath = "/services/oauth2/token";
constexpr size_t kMinBatch = 200, kMaxBatch = 2000;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}



// "v62.0" → true for versions 20.0 … 66.0.
bool valid_version(std::string_view v) {
  if (v.size() < 5 || v[0] != 'v' || !v.ends_with(".0")) return false;
  auto n = parse_uint(v.substr(1, v.size() - 3));
  return n && *n >= 20 && *n <= 66;
}

// --- SOQL -------------------------------------------------------------------------------

struct ObjectDef {
  const char* name;
  const char* prefix;  // key prefix of its ids
  std::vector<const char*> fields;
};

const ObjectDef kContact{"Contact", "0035e",
                         {"Id", "FirstName", "LastName", "Name", "Email", "Phone", "Account.Name", "IsDeleted",
                          "MasterRecordId", "SystemModstamp", "LastModifiedDate"}};
const ObjectDef kAccount{"Account", "0015e",
                         {"Id", "Name", "Phone", "Website", "IsDeleted", "MasterRecordId", "SystemModstamp",
                          "LastModifiedDate"}};

const ObjectDef* object_def(std::string_view name) {
  if (iequals(name, "Contact")) return &kContact;
  if (iequals(name, "Account")) return &kAccount;
  return nullptr;
}

std::vector<std::string> lex(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
    if (c == ',') { out.emplace_back(","); ++i; continue; }
    if (c == '<' || c == '>' || c == '=' || c == '!') {
      size_t j = i + 1;
      while (j < s.size() && (s[j] == '=' || s[j] == '>')) ++j;
      out.emplace_back(s.substr(i, j - i));
      i = j;
      continue;
    }
    if (c == '\'') {
      size_t j = s.find('\'', i + 1);
      j = j == std::string_view::npos ? s.size() : j + 1;
      out.emplace_back(s.substr(i, j - i));
      i = j;
      continue;
    }
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != ',' && s[j] != '<' &&
           s[j] != '>' && s[j] != '=' && s[j] != '!' && s[j] != '\'')
      ++j;
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// SOQL date-time literal: YYYY-MM-DDThh:mm:ss[.sss](Z|±hh:mm), unquoted.
std::optional<int64_t> soql_datetime(std::string_view s) {
  auto digits = [&](size_t from, size_t n) {
    if (from + n > s.size()) return false;
    for (size_t k = from; k < from + n; ++k)
      if (!std::isdigit(static_cast<unsigned char>(s[k]))) return false;
    return true;
  };
  if (s.size() < 20 || !digits(0, 4) || s[4] != '-' || !digits(5, 2) || s[7] != '-' || !digits(8, 2) ||
      s[10] != 'T' || !digits(11, 2) || s[13] != ':' || !digits(14, 2) || s[16] != ':' || !digits(17, 2))
    return std::nullopt;
  size_t z = 19;
  if (s[z] == '.') {
    size_t k = z + 1;
    while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) ++k;
    if (k == z + 1) return std::nullopt;
    z = k;
  }
  std::string_view zone = s.substr(z);
  bool ok = zone == "Z" || (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits(z + 1, 2) &&
                            zone[3] == ':' && digits(z + 4, 2));
  if (!ok) return std::nullopt;
  auto t = parse_iso8601(s);
  if (!t) return std::nullopt;
  return to_ms(*t);
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The dataset id in an object's 18-character record id; 0 when it is none of its ids.
uint64_t dataset_id_of(std::string_view sf_id, const ObjectDef& def) {
  std::string_view prefix = def.prefix;
  if (sf_id.size() != 18 || !sf_id.starts_with(prefix)) return 0;
  std::string_view digits = sf_id.substr(prefix.size());
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  return ec == std::errc() && end == digits.data() + digits.size() ? n : 0;
}

SoqlError malformed(std::string_view near) {
  return {"MALFORMED_QUERY", fmt::format("unexpected token: '{}'", near.substr(0, 60))};
}

}  // namespace

std::variant<SoqlQuery, SoqlError> parse_soql(std::string_view soql) {
  auto t = lex(soql);
  size_t i = 0;
  auto at = [&](size_t k) -> std::string_view { return k < t.size() ? std::string_view(t[k]) : std::string_view(); };
  if (!iequals(at(i), "SELECT")) return malformed(at(i).empty() ? "end of query" : at(i));
  ++i;
  std::vector<std::string> raw_fields;
  while (true) {
    if (at(i).empty() || iequals(at(i), "FROM") || at(i) == ",") return malformed(at(i).empty() ? "end of query" : at(i));
    raw_fields.emplace_back(at(i++));
    if (at(i) == ",") { ++i; continue; }
    break;
  }
  if (!iequals(at(i), "FROM")) return malformed(at(i).empty() ? "end of query" : at(i));
  ++i;
  SoqlQuery q;
  const ObjectDef* def = object_def(at(i));
  if (!def) {
    if (at(i).empty()) return malformed("end of query");
    return SoqlError{"INVALID_TYPE", fmt::format("sObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.", at(i))};
  }
  q.object = def->name;
  ++i;
  for (const auto& f : raw_fields) {
    auto it = std::find_if(def->fields.begin(), def->fields.end(), [&](const char* k) { return iequals(k, f); });
    if (it == def->fields.end())
      return SoqlError{"INVALID_FIELD", fmt::format("No such column '{}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.", f, def->name)};
    if (std::find(q.fields.begin(), q.fields.end(), *it) != q.fields.end())
      return SoqlError{"MALFORMED_QUERY", fmt::format("duplicate field selected: {}", *it)};
    q.fields.emplace_back(*it);
  }
  if (iequals(at(i), "WHERE")) {
    ++i;
    while (true) {
      std::string_view field = at(i), op = at(i + 1), value = at(i + 2);
      if (iequals(field, "SystemModstamp") && (op == ">=" || op == ">")) {
        if (!value.empty() && value[0] == '\'')
          return SoqlError{"INVALID_FIELD", "value of filter criterion for field 'SystemModstamp' must be of type dateTime and should not be enclosed in quotes"};
        auto ms = soql_datetime(value);
        if (!ms) return malformed(value.empty() ? "end of query" : value);
        q.since_ms = *ms;
        q.strict = op == ">";
      } else if (iequals(field, "IsDeleted") && op == "=" && (iequals(value, "true") || iequals(value, "false"))) {
        q.is_deleted = iequals(value, "true");
      } else if (iequals(field, "Id") && op == "=" && value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
        q.id = dataset_id_of(value.substr(1, value.size() - 2), *def);
      } else {
        return malformed(field.empty() ? "end of query" : field);
      }
      i += 3;
      if (iequals(at(i), "AND")) { ++i; continue; }
      break;
    }
  }
  if (iequals(at(i), "ORDER")) {
    if (!iequals(at(i + 1), "BY") || !iequals(at(i + 2), "SystemModstamp")) return malformed(at(i + 2).empty() ? at(i + 1) : at(i + 2));
    i += 3;
    if (iequals(at(i), "ASC")) ++i;
    if (at(i) == ",") {
      if (!iequals(at(i + 1), "Id")) return malformed(at(i + 1).empty() ? "end of query" : at(i + 1));
      i += 2;
      if (iequals(at(i), "ASC")) ++i;
    }
  }
  if (i != t.size()) return malformed(at(i));
  return q;
}

// What a query locator holds: the parsed query (as its SOQL text), where it stands, how
// big its pages are and how many rows it has served.
struct SalesforceDialect::Cursor {
  bool all = false;
  std::optional<OrderKey> after;
  uint64_t served = 0;
  uint64_t total = 0;
  size_t batch = kMaxBatch;
  std::string soql;
  SoqlQuery query;

  std::string locator() const {
    std::string payload = fmt::format("{}|{}|{}|{}|{}|{}|{}", all ? 1 : 0, after ? after->modified_ms : -1,
                                      after ? after->id : 0, served, total, batch, soql);
    return fmt::format("01g{}-{}", base64url(payload), served);
  }

  static std::optional<Cursor> from_locator(std::string_view loc) {
    size_t dash = loc.rfind('-');
    if (!loc.starts_with("01g") || dash == std::string_view::npos || dash < 3) return std::nullopt;
    auto raw = unbase64url(loc.substr(3, dash - 3));
    if (!raw) return std::nullopt;
    std::string_view s = *raw;
    std::string_view parts[6];
    for (auto& p : parts) {
      size_t bar = s.find('|');
      if (bar == std::string_view::npos) return std::nullopt;
      p = s.substr(0, bar);
      s.remove_prefix(bar + 1);
    }
    Cursor c;
    auto ms = parse_int(parts[1]);
    auto id = parse_uint(parts[2]), served = parse_uint(parts[3]), total = parse_uint(parts[4]),
         batch = parse_uint(parts[5]);
    if ((parts[0] != "0" && parts[0] != "1") || !ms || !id || !served || !total || !batch || *batch == 0)
      return std::nullopt;
    c.all = parts[0] == "1";
    if (*id != 0) c.after = OrderKey{*ms, *id};
    c.served = *served;
    c.total = *total;
    c.batch = *batch;
    c.soql = std::string(s);
    auto parsed = parse_soql(c.soql);
    if (!std::holds_alternative<SoqlQuery>(parsed)) return std::nullopt;
    c.query = std::get<SoqlQuery>(parsed);
    return c;
  }
};

namespace {

struct Row {
  FakeRecord rec;
  bool deleted = false;
  int64_t ms = 0;  // SystemModstamp: modification or deletion time
  uint64_t merged_into = 0;
};

std::string sf_id(const char* prefix, uint64_t id) { return fmt::format("{}{:013d}", prefix, id); }

// A stable id for the parent account of a contact's company name (FNV-1a).
std::string account_id_for(std::string_view company) {
  uint64_t h = 1469598103934665603ull;
  for (char c : company) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return sf_id("0015f", h % 10000000000000ull);
}

std::string sf_time(int64_t ms) {
  // 2025-11-20T09:14:03.000+0000: milliseconds and an offset without a colon.
  std::string s = format_iso8601_seconds(from_ms(ms - ms % 1000));
  if (!s.empty() && s.back() == 'Z') s.pop_back();
  return fmt::format("{}.{:03d}+0000", s, static_cast<int>(((ms % 1000) + 1000) % 1000));
}

// Rows of the query's view after `after`, in (SystemModstamp, Id) order: live records of
// the object (and, for queryAll, deleted ones), at most `limit`; `more` when rows follow.
std::vector<Row> collect(const Dataset& data, const SoqlQuery& q, bool all, std::optional<OrderKey> after,
                         size_t limit, bool& more) {
  const bool want_company = q.object == "Account";
  const int64_t since = q.since_ms == INT64_MIN ? INT64_MIN : (q.strict ? q.since_ms + 1 : q.since_ms);
  if (q.id) {  // one record by Id: looked up, not scanned for
    std::vector<Row> one;
    auto visible = [&](int64_t ms, uint64_t id) { return ms >= since && (!after || before(*after, {ms, id})); };
    if (auto r = data.get(*q.id); r && q.is_deleted != true && r->company == want_company && visible(r->modified_ms, r->id))
      one.push_back(Row{*r, false, r->modified_ms, 0});
    if (one.empty() && all && q.is_deleted != false)
      for (auto& d : data.deleted_since(since))
        if (d.last.id == *q.id && d.last.company == want_company && visible(d.deleted_ms, d.last.id))
          one.push_back(Row{d.last, true, d.deleted_ms, d.merged_into});
    if (one.size() > limit) one.clear();
    more = false;
    return one;
  }
  std::vector<Row> live;
  if (q.is_deleted != true) {
    std::optional<OrderKey> pos = after;
    const size_t chunk = std::max<size_t>(limit * 4, 256);
    // Bounded: every pass moves `pos` forward over at least one record.
    for (int guard = 0; guard < 1'000'000 && live.size() <= limit; ++guard) {
      ListPage p = pos ? data.list_after(since, *pos, chunk) : data.list(since, 0, chunk);
      for (auto& r : p.records) {
        if (r.company == want_company && live.size() <= limit) live.push_back(Row{r, false, r.modified_ms, 0});
      }
      if (p.records.empty() || !p.more) break;
      pos = OrderKey{p.records.back().modified_ms, p.records.back().id};
    }
  }
  std::vector<Row> gone;
  if (all && q.is_deleted != false) {
    for (auto& d : data.deleted_since(since)) {
      if (d.last.company != want_company) continue;
      OrderKey k{d.deleted_ms, d.last.id};
      if (after && !before(*after, k)) continue;
      gone.push_back(Row{d.last, true, d.deleted_ms, d.merged_into});
    }
    std::sort(gone.begin(), gone.end(), [](const Row& a, const Row& b) {
      return before({a.ms, a.rec.id}, {b.ms, b.rec.id});
    });
  }
  std::vector<Row> out;
  size_t a = 0, b = 0;
  while (out.size() < limit && (a < live.size() || b < gone.size())) {
    bool take_live = b >= gone.size() ||
                     (a < live.size() && before({live[a].ms, live[a].rec.id}, {gone[b].ms, gone[b].rec.id}));
    out.push_back(std::move(take_live ? live[a++] : gone[b++]));
  }
  more = a < live.size() || b < gone.size();
  return out;
}

uint64_t count_view(const Dataset& data, const SoqlQuery& q, bool all) {
  uint64_t n = 0;
  bool more = true;
  std::optional<OrderKey> after;
  for (int guard = 0; more && guard < 1'000'000; ++guard) {
    auto rows = collect(data, q, all, after, 5000, more);
    n += rows.size();
    if (rows.empty()) break;
    after = OrderKey{rows.back().ms, rows.back().rec.id};
  }
  return n;
}

void render_row(std::string& out, const Row& row, const SoqlQuery& q, std::string_view version) {
  const ObjectDef& def = q.object == "Account" ? kAccount : kContact;
  const FakeRecord& r = row.rec;
  const std::string id = sf_id(def.prefix, r.id);
  JsonWriter w(out);
  w.begin_object();
  w.key("attributes").begin_object();
  w.field("type", def.name).field("url", fmt::format("/services/data/{}/sobjects/{}/{}", version, def.name, id));
  w.end_object();
  for (const auto& f : q.fields) {
    if (f == "Id") w.field("Id", id);
    else if (f == "FirstName") w.key(f).string_or_null(r.first_name);
    else if (f == "LastName") w.key(f).string_or_null(r.last_name);
    else if (f == "Name") w.key(f).string_or_null(r.full_name);
    else if (f == "Email") w.key(f).string_or_null(r.email);
    else if (f == "Phone") w.key(f).string_or_null(r.phone);
    else if (f == "Website") w.key(f).null();
    else if (f == "IsDeleted") w.key(f).value(row.deleted);
    else if (f == "MasterRecordId") {
      w.key(f);
      if (row.merged_into) w.value(sf_id(def.prefix, row.merged_into)); else w.null();
    } else if (f == "SystemModstamp" || f == "LastModifiedDate") w.field(f, sf_time(row.ms));
    else if (f == "Account.Name") {
      w.key("Account");
      if (r.company_name.empty()) {
        w.null();
      } else {
        std::string aid = account_id_for(r.company_name);
        w.begin_object().key("attributes").begin_object();
        w.field("type", "Account").field("url", fmt::format("/services/data/{}/sobjects/Account/{}", version, aid));
        w.end_object();
        w.field("Name", r.company_name);
        w.end_object();
      }
    }
  }
  w.end_object();
}

}  // namespace

std::string salesforce_id(uint64_t id, bool account) { return sf_id(account ? kAccount.prefix : kContact.prefix, id); }

SalesforceDialect::SalesforceDialect(const Dataset& data, TokenIssuer& tokens, size_t max_page_size,
                                     const BaseUrl& base, const Clock& clock)
    : data_(data), tokens_(tokens), max_page_size_(max_page_size), base_(base), clock_(clock) {}

RouteKind SalesforceDialect::route(std::string_view path) const {
  if (path == kSalesforceTokenPath) return RouteKind::other;
  if (!path.starts_with(kDataPrefix)) return RouteKind::none;
  std::string_view rest = path.substr(kDataPrefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return RouteKind::other;
  rest.remove_prefix(slash + 1);
  if (rest == "query" || rest == "queryAll" || rest.starts_with("query/")) return RouteKind::list;
  if (rest.starts_with("sobjects/") && std::count(rest.begin(), rest.end(), '/') == 2) return RouteKind::record;
  return RouteKind::other;
}

bool SalesforceDialect::allows(std::string_view method, std::string_view path) const {
  if (path == kSalesforceTokenPath) return method == "POST";
  return method == "GET" || method == "HEAD";
}

ServerResponse SalesforceDialect::sf_error(int status, std::string_view code, std::string_view message) const {
  std::string out;
  JsonWriter w(out);
  w.begin_array().begin_object().field("message", message).field("errorCode", code).end_object().end_array();
  ServerResponse r = ServerResponse::json(status, std::move(out));
  stamp(r);
  return r;
}

ServerResponse SalesforceDialect::error(int status, std::string_view /*code*/, std::string_view message) const {
  switch (status) {
    case 401: {
      auto r = sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid");
      r.headers.emplace_back("WWW-Authenticate", "Token");
      return r;
    }
    // Salesforce has no 429: an exhausted allowance is a 403 without Retry-After.
    case 429:
    case 403: return sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
    case 404: return sf_error(404, "NOT_FOUND", "The requested resource does not exist");
    case 405: return sf_error(405, "METHOD_NOT_ALLOWED", message);
    case 400: return sf_error(400, "MALFORMED_QUERY", message);
    case 503: return sf_error(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later.");
    default:
      if (status >= 500)
        return sf_error(status, "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if you contact support: 1405882117-65542 (-1589423105)");
      return sf_error(status, "UNKNOWN_EXCEPTION", message);
  }
}

void SalesforceDialect::stamp(ServerResponse& r) const {
  int64_t used = calls_.load();
  r.headers.emplace_back("Sforce-Limit-Info", fmt::format("api-usage={}/{}", std::min(used, kDailyMax), kDailyMax));
}

int64_t SalesforceDialect::view_since_ms(const ServerRequest& req) const {
  std::string_view path = req.path;
  if (size_t at = path.find("/query/"); at != std::string_view::npos) {
    auto c = Cursor::from_locator(path.substr(at + 7));
    return c ? c->query.since_ms : INT64_MIN;
  }
  auto q = req.param("q");
  if (!q) return INT64_MIN;
  auto parsed = parse_soql(*q);
  return std::holds_alternative<SoqlQuery>(parsed) ? std::get<SoqlQuery>(parsed).since_ms : INT64_MIN;
}

ServerResponse SalesforceDialect::handle(const ServerRequest& req) const {
  ++calls_;
  if (req.path == kSalesforceTokenPath) return token(req);
  // Every data route needs a session: "Authorization: Bearer <access_token>".
  std::string_view auth = req.header("authorization");
  if (auth.size() < 7 || !iequals(auth.substr(0, 7), "Bearer ") || !tokens_.valid(auth.substr(7)))
    return error(401, "", "");
  std::string_view rest = std::string_view(req.path).substr(kDataPrefix.size());
  size_t slash = rest.find('/');
  std::string_view version = rest.substr(0, slash);
  if (slash == std::string_view::npos || !valid_version(version)) return error(404, "", "");
  rest.remove_prefix(slash + 1);
  if (rest == "query") return query(req, version, false);
  if (rest == "queryAll") return query(req, version, true);
  if (rest.starts_with("query/")) return more(req, version, rest.substr(6));
  if (rest == "limits" || rest == "limits/") return limits();
  if (rest.starts_with("sobjects/")) return sobject_row(req, version, rest.substr(9));
  return error(404, "", "");
}

ServerResponse SalesforceDialect::token(const ServerRequest& req) const {
  auto oauth_error = [&](int status, std::string_view code, std::string_view description) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("error", code).field("error_description", description).end_object();
    return ServerResponse::json(status, std::move(out));
  };
  if (req.header("content-type").find("application/x-www-form-urlencoded") == std::string_view::npos)
    return oauth_error(400, "invalid_request", "must use application/x-www-form-urlencoded");
  auto grant = form_field(req.body, "grant_type");
  auto client_id = form_field(req.body, "client_id");
  auto secret = form_field(req.body, "client_secret");
  if (!grant || (*grant != "refresh_token" && *grant != "client_credentials"))
    return oauth_error(400, "unsupported_grant_type", "grant type not supported");
  // Salesforce's wording for each refusal (RFC 6749 §5.2 codes, HTTP 400).
  if (!client_id || *client_id != kSalesforceClientId)
    return oauth_error(400, "invalid_client_id", "client identifier invalid");
  if (*grant == "client_credentials" && (!secret || *secret != kSalesforceClientSecret))
    return oauth_error(400, "invalid_client", "invalid client credentials");
  if (secret && !secret->empty() && *secret != kSalesforceClientSecret)
    return oauth_error(400, "invalid_client", "invalid client credentials");
  if (*grant == "refresh_token") {
    auto refresh = form_field(req.body, "refresh_token");
    if (!refresh || *refresh != kSalesforceRefreshToken)
      return oauth_error(400, "invalid_grant", "expired access/refresh token");
  }
  // Sessions last as long as the org's timeout (two hours by default) and the answer
  // says nothing about it: a client learns of expiry from a 401.
  std::string access = tokens_.issue(std::chrono::hours(2));
  if (access.empty()) return oauth_error(400, "invalid_grant", "expired access/refresh token");
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("access_token", access);
  w.field("instance_url", base_.get());
  w.field("id", "https://login.salesforce.com/id/00D5e000000XyZ1EAK/0055e000001AbCdAAK");
  w.field("token_type", "Bearer");
  w.field("issued_at", std::to_string(to_ms(clock_.now())));
  w.field("signature", "ZmFrZS1zaWduYXR1cmU=");
  w.end_object();
  return ServerResponse::json(200, std::move(out));
}

ServerResponse SalesforceDialect::query(const ServerRequest& req, std::string_view version, bool all) const {
  auto q = req.param("q");
  if (!q || q->empty()) return sf_error(400, "MALFORMED_QUERY", "A query string has to be specified");
  auto parsed = parse_soql(*q);
  if (auto* e = std::get_if<SoqlError>(&parsed)) return sf_error(400, e->code, e->message);
  Cursor c;
  c.all = all;
  c.soql = std::string(*q);
  c.query = std::get<SoqlQuery>(parsed);
  // Sforce-Query-Options: batchSize=N, a hint clamped to 200..2000.
  std::string_view opts = req.header("sforce-query-options");
  if (size_t at = opts.find("batchSize="); at != std::string_view::npos) {
    std::string_view v = opts.substr(at + 10);
    v = v.substr(0, v.find_first_of(", ;"));
    auto n = parse_uint(v);
    if (!n) return sf_error(400, "INVALID_HEADER_TYPE", "batchSize must be an integer");
    c.batch = std::clamp<size_t>(*n, kMinBatch, kMaxBatch);
  }
  c.total = count_view(data_, c.query, all);
  return page(c, version);
}

ServerResponse SalesforceDialect::more(const ServerRequest& /*req*/, std::string_view version,
                                       std::string_view locator) const {
  auto c = Cursor::from_locator(locator);
  if (!c) return sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
  return page(*c, version);
}

ServerResponse SalesforceDialect::page(const Cursor& c, std::string_view version) const {
  // Fewer rows than asked, as Salesforce may send: never assume a page is full.
  const size_t size = std::max<size_t>(1, std::min(c.batch, max_page_size_));
  bool more = false;
  std::vector<Row> rows = collect(data_, c.query, c.all, c.after, size, more);
  Cursor next = c;
  next.served = c.served + rows.size();
  if (!rows.empty()) next.after = OrderKey{rows.back().ms, rows.back().rec.id};
  std::string out;
  out.reserve(rows.size() * 400 + 200);
  JsonWriter w(out);
  w.begin_object();
  w.key("totalSize").value(static_cast<int64_t>(std::max(c.total, next.served)));
  w.key("done").value(!more);
  if (more) w.field("nextRecordsUrl", fmt::format("/services/data/{}/query/{}", version, next.locator()));
  w.key("records").begin_array();
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i) out += ',';
    render_row(out, rows[i], c.query, version);
  }
  out += ']';
  out += '}';
  ServerResponse r = ServerResponse::json(200, std::move(out));
  stamp(r);
  return r;
}

ServerResponse SalesforceDialect::limits() const {
  int64_t remaining = std::max<int64_t>(0, kDailyMax - calls_.load());
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("DailyApiRequests").begin_object().key("Max").value(kDailyMax).key("Remaining").value(remaining).end_object();
  w.key("ConcurrentAPIRequests").begin_object().key("Max").value(int64_t{25}).key("Remaining").value(int64_t{25}).end_object();
  w.end_object();
  ServerResponse r = ServerResponse::json(200, std::move(out));
  stamp(r);
  return r;
}

ServerResponse SalesforceDialect::sobject_row(const ServerRequest& req, std::string_view version,
                                              std::string_view rest) const {
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || rest.find('/', slash + 1) != std::string_view::npos) return error(404, "", "");
  std::string_view object = rest.substr(0, slash), sf_id = rest.substr(slash + 1);
  const ObjectDef* def = object_def(object);
  if (!def || object != def->name)
    return sf_error(404, "NOT_FOUND", fmt::format("The requested resource does not exist: sObject type '{}'", object));
  SoqlQuery q;
  q.object = def->name;
  if (auto raw = req.param("fields"); raw && !raw->empty()) {
    std::string_view list = *raw;
    while (true) {
      size_t comma = list.find(',');
      std::string_view f = trim_spaces(list.substr(0, comma));
      auto it = std::find_if(def->fields.begin(), def->fields.end(), [&](const char* k) { return iequals(k, f); });
      // sObject Rows reads the object's own fields; a parent's needs a query or a
      // relationship URL.
      if (it == def->fields.end() || f.find('.') != std::string_view::npos)
        return sf_error(400, "INVALID_FIELD", fmt::format("No such column '{}' on sobject of type {}", f, def->name));
      if (std::find(q.fields.begin(), q.fields.end(), *it) == q.fields.end()) q.fields.emplace_back(*it);
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  } else {
    for (const char* f : def->fields)
      if (std::string_view(f).find('.') == std::string_view::npos) q.fields.emplace_back(f);
  }
  const uint64_t id = dataset_id_of(sf_id, *def);
  auto r = id ? data_.get(id) : std::nullopt;
  if (!r || r->company != (def == &kAccount)) {
    for (const auto& d : data_.deleted_since(INT64_MIN))
      if (id && d.last.id == id && d.last.company == (def == &kAccount))
        return sf_error(404, "ENTITY_IS_DELETED", "entity is deleted");
    return sf_error(404, "NOT_FOUND", "The requested resource does not exist");
  }
  std::string out;
  render_row(out, Row{*r, false, r->modified_ms, 0}, q, version);
  ServerResponse resp = ServerResponse::json(200, std::move(out));
  stamp(resp);
  return resp;
}

}  // namespace crm::fake
