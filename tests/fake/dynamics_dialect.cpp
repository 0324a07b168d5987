#include "fake/dynamics_dialect.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <climits>
#include <vector>

#include "core/json_writer.h"
#include "fake/form_body.h"
#include "fake/rest_dialect.h"

namespace crm::fake {
namespace {

constexpr std::string_view kApi = "/api/data/v9.2/";
constexpr int64_t kMaxPage = 5000;  // Dataverse's own maximum for odata.maxpagesize
constexpr std::string_view kFormatted = "OData.Community.Display.V1.FormattedValue";
constexpr std::string_view kContactTail = "-d01c-ed11-b83e-000d3a572421";
constexpr std::string_view kAccountTail = "-aea6-ea11-a812-000d3a55d474";
constexpr std::string_view kParentTail = "-aea6-ea11-a812-000d3a55f00d";  // employer accounts

constexpr std::array<std::string_view, 11> kContactColumns = {
    "contactid", "fullname", "firstname", "lastname", "emailaddress1", "telephone1",
    "_parentcustomerid_value", "modifiedon", "statecode", "merged", "_masterid_value"};
constexpr std::array<std::string_view, 8> kAccountColumns = {
    "accountid", "name", "emailaddress1", "telephone1", "modifiedon", "statecode", "merged", "_masterid_value"};

std::string enc(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') out += c;
    else out += fmt::format("%{:02X}", u);
  }
  return out;
}



std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

uint32_t fnv32(std::string_view s) {
  uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

std::string odata_body(std::string_view code, std::string_view message) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("error").begin_object().field("code", code).field("message", message);
  w.end_object().end_object();
  return out;
}

ServerResponse bad_request(std::string_view message) {
  return ServerResponse::json(400, odata_body("0x80060888", message));
}

// The localised display form of a time, as the calling user (UTC+01:00) would see it.
std::string formatted_time(int64_t ms) {
  std::string iso = format_iso8601_seconds(from_ms(ms + 3600 * 1000));  // 2025-11-20T10:14:03Z
  return fmt::format("{}/{}/{} {}", iso.substr(8, 2), iso.substr(5, 2), iso.substr(0, 4), iso.substr(11, 5));
}

// The paging cookie Dataverse puts in $skiptoken, with our keyset position inside; a
// change-tracking read also carries the version its delta link will be issued for, and a
// delta whether it is past its changed rows into its deleted ones (phase d).
struct Cookie {
  OrderKey key;
  uint64_t page_no = 1;
  bool tracking = false;
  int64_t version = 0;
  bool deleted_phase = false;
};

std::string skiptoken(const Cookie& c) {
  return fmt::format(R"(<cookie pagenumber="{}" pagingcookie="{}" istracking="{}" version="{}" phase="{}" />)", c.page_no,
                     encode_cursor(c.key), c.tracking ? "True" : "False", c.version, c.deleted_phase ? "d" : "r");
}

std::optional<Cookie> parse_skiptoken(std::string_view s) {
  auto attr = [&](std::string_view name) -> std::optional<std::string_view> {
    std::string pat = std::string(name) + "=\"";
    size_t at = s.find(pat);
    if (at == std::string_view::npos) return std::nullopt;
    size_t start = at + pat.size(), end = s.find('"', start);
    if (end == std::string_view::npos) return std::nullopt;
    return s.substr(start, end - start);
  };
  auto cookie = attr("pagingcookie");
  auto page = attr("pagenumber");
  if (!s.starts_with("<cookie ") || !cookie || !page) return std::nullopt;
  auto key = decode_cursor(*cookie);
  Cookie c;
  auto [p, ec] = std::from_chars(page->data(), page->data() + page->size(), c.page_no);
  if (!key || ec != std::errc() || p != page->data() + page->size()) return std::nullopt;
  c.key = *key;
  c.tracking = attr("istracking") == std::optional<std::string_view>("True");
  if (auto v = attr("version")) std::from_chars(v->data(), v->data() + v->size(), c.version);
  c.deleted_phase = attr("phase") == std::optional<std::string_view>("d");
  return c;
}

// A $deltatoken as Microsoft shows it: "<number>!<MM/dd/yyyy HH:mm:ss>".
std::string deltatoken(uint64_t number, int64_t version_ms) {
  std::string iso = format_iso8601_seconds(from_ms(version_ms));  // 2025-11-20T10:14:03Z
  return fmt::format("{}!{}/{}/{} {}", number, iso.substr(5, 2), iso.substr(8, 2), iso.substr(0, 4), iso.substr(11, 8));
}

std::optional<uint64_t> deltatoken_number(std::string_view s) {
  uint64_t n = 0;
  size_t bang = s.find('!');
  auto [p, ec] = std::from_chars(s.data(), s.data() + std::min(bang, s.size()), n);
  if (ec != std::errc() || bang == std::string_view::npos || p != s.data() + bang) return std::nullopt;
  return n;
}

// One row to render: a live record, or a merged-away one (deactivated, pointing at the
// survivor, modifiedon = the merge time).
struct Row {
  FakeRecord rec;
  int64_t modified_ms = 0;
  uint64_t master = 0;  // non-zero: merged into this id
  OrderKey key() const { return {modified_ms, rec.id}; }
};

// One row's members (inside an object the caller opens): the columns of `select` (every
// column when empty), with the annotations the caller's Prefer asked for.
void write_row(JsonWriter& w, const Row& row, bool accounts, const std::vector<std::string>& select, bool annotations) {
  const FakeRecord& r = row.rec;
  auto selected = [&](std::string_view c) {
    return select.empty() || std::find(select.begin(), select.end(), c) != select.end();
  };
  const std::string_view id_col = accounts ? "accountid" : "contactid";
  w.field("@odata.etag", fmt::format("W/\"{}\"", row.modified_ms / 1000));
  w.field(id_col, dynamics_guid(r.id, accounts));
  if (accounts) {
    if (selected("name")) w.key("name").string_or_null(r.full_name);
  } else {
    if (selected("fullname")) w.key("fullname").string_or_null(r.full_name);
    if (selected("firstname")) w.key("firstname").string_or_null(r.first_name);
    if (selected("lastname")) w.key("lastname").string_or_null(r.last_name);
  }
  if (selected("emailaddress1")) w.key("emailaddress1").string_or_null(r.email);
  if (selected("telephone1")) w.key("telephone1").string_or_null(r.phone);
  if (!accounts && selected("_parentcustomerid_value")) {
    if (r.company_name.empty()) {
      w.key("_parentcustomerid_value").null();
    } else {
      if (annotations) {
        w.field("_parentcustomerid_value@OData.Community.Display.V1.FormattedValue", r.company_name);
        w.field("_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname", "account");
      }
      w.field("_parentcustomerid_value", dynamics_parent_guid(r.company_name));
    }
  }
  if (selected("modifiedon")) {
    if (annotations) w.field("modifiedon@OData.Community.Display.V1.FormattedValue", formatted_time(row.modified_ms));
    w.field("modifiedon", format_iso8601_seconds(from_ms(row.modified_ms)));
  }
  if (selected("statecode")) {
    if (annotations) w.field("statecode@OData.Community.Display.V1.FormattedValue", row.master ? "Inactive" : "Active");
    w.field("statecode", int64_t{row.master ? 1 : 0});
  }
  if (selected("merged")) w.field("merged", row.master != 0);
  if (selected("_masterid_value")) {
    if (row.master) w.field("_masterid_value", dynamics_guid(row.master, accounts));
    else w.key("_masterid_value").null();
  }
}

// $select: known columns only, as Dataverse refuses an unknown one.
std::optional<ServerResponse> parse_select(std::string_view value, bool accounts, std::vector<std::string>& out) {
  auto known = [&](std::string_view c) {
    return accounts ? std::find(kAccountColumns.begin(), kAccountColumns.end(), c) != kAccountColumns.end()
                    : std::find(kContactColumns.begin(), kContactColumns.end(), c) != kContactColumns.end();
  };
  std::string_view rest = value;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view col = trim(rest.substr(0, comma));
    if (!known(col))
      return bad_request(fmt::format("Could not find a property named '{}' on type 'Microsoft.Dynamics.CRM.{}'.", col,
                                     accounts ? "account" : "contact"));
    out.emplace_back(col);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

// What a Prefer header asks for: odata.maxpagesize=N, odata.include-annotations="…".
struct Preferences {
  int64_t max_page_size = kMaxPage;
  std::string annotations;  // the include-annotations preference when it covers FormattedValue
};

Preferences parse_prefer(std::string_view prefer) {
  Preferences out;
  while (!prefer.empty()) {
    size_t comma = prefer.find(',');
    // a quoted annotation list may hold commas
    if (size_t quote = prefer.find('"'); quote != std::string_view::npos && quote < comma) {
      size_t close = prefer.find('"', quote + 1);
      comma = close == std::string_view::npos ? std::string_view::npos : prefer.find(',', close);
    }
    std::string_view pref = trim(prefer.substr(0, comma));
    if (pref.starts_with("odata.maxpagesize=")) {
      std::string_view n = pref.substr(18);
      int64_t v = 0;
      auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
      if (ec == std::errc() && p == n.data() + n.size() && v > 0) out.max_page_size = v;  // else ignored, as preferences are
    } else if (pref.starts_with("odata.include-annotations=")) {
      std::string_view list = pref.substr(26);
      if (list.find(kFormatted) != std::string_view::npos || list.find('*') != std::string_view::npos)
        out.annotations += (out.annotations.empty() ? "" : ",") + std::string(pref);
    }
    if (comma == std::string_view::npos) break;
    prefer.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

std::string dynamics_parent_guid(std::string_view company_name) {
  return fmt::format("{:08x}{}", fnv32(company_name), kParentTail);
}

std::string dynamics_guid(uint64_t id, bool company) {
  return fmt::format("{:08x}{}", id, company ? kAccountTail : kContactTail);
}

std::optional<uint64_t> dynamics_id_of(std::string_view guid) {
  if (guid.size() != 36) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(guid.data(), guid.data() + 8, v, 16);
  if (ec != std::errc() || p != guid.data() + 8) return std::nullopt;
  return v;
}

// A list request's query, validated against what Dataverse accepts.
struct DynamicsDialect::Query {
  bool accounts = false;
  std::vector<std::string> select;  // empty: every column
  std::string select_raw, filter_raw, orderby_raw;
  int64_t since_ms = INT64_MIN;
  std::optional<OrderKey> after;
  uint64_t page_no = 1;
  size_t size = 0;
  bool annotations = false;
  bool track = false;                 // Prefer: odata.track-changes
  std::optional<Cookie> cookie;       // from $skiptoken
  std::string deltatoken_raw;         // $deltatoken, decoded
  std::string applied;  // Preference-Applied
};

DynamicsDialect::DynamicsDialect(const Dataset& data, TokenIssuer& tokens, ChangeTracking& tracking,
                                 const BaseUrl& base, size_t max_page_size, std::vector<std::string> untracked_sets)
    : data_(data), tokens_(tokens), tracking_(tracking), base_(base),
      max_page_size_(std::max<size_t>(1, max_page_size)), untracked_sets_(std::move(untracked_sets)) {}

bool DynamicsDialect::untracked(bool accounts) const {
  return std::find(untracked_sets_.begin(), untracked_sets_.end(), accounts ? "accounts" : "contacts") !=
         untracked_sets_.end();
}

namespace {

bool is_token_path(std::string_view path) {
  constexpr std::string_view kSuffix = "/oauth2/v2.0/token";
  if (!path.ends_with(kSuffix) || path.size() <= kSuffix.size() + 1 || path[0] != '/') return false;
  std::string_view tenant = path.substr(1, path.size() - kSuffix.size() - 1);
  return !tenant.empty() && tenant.find('/') == std::string_view::npos;
}

// $filter: `modifiedon ge|gt <date-time literal>` (unquoted, as OData v4 wants).
std::optional<std::string> parse_filter(std::string_view f, int64_t& since_ms) {
  f = trim(f);
  constexpr std::string_view kField = "modifiedon ";
  if (!f.starts_with(kField))
    return fmt::format("crm-fake supports only $filter=modifiedon ge <date-time>, got '{}'", f);
  f.remove_prefix(kField.size());
  f = trim(f);
  bool gt = f.starts_with("gt ");
  if (!gt && !f.starts_with("ge ")) return fmt::format("crm-fake supports only the ge and gt operators on modifiedon");
  std::string_view lit = trim(f.substr(3));
  if (lit.starts_with("'"))
    return std::string("A binary operator with incompatible types was detected. Found operand types "
                       "'Edm.DateTimeOffset' and 'Edm.String' for operator kind 'GreaterThanOrEqual'.");
  if (lit.find(' ') != std::string_view::npos)
    return fmt::format("Syntax error at position {} in '{}'.", lit.find(' '), lit);
  auto t = parse_iso8601(lit);
  // A literal needs its offset: "2025-11-20T09:00:00" without Z is not an Edm.DateTimeOffset.
  if (!t || lit.size() < 20 || (lit.back() != 'Z' && lit[lit.size() - 3] != ':'))
    return fmt::format("The DateTimeOffset text '{}' should be in format 'yyyy-mm-ddThh:mm:ss('.'s+)?(zzzzzz)?'", lit);
  since_ms = to_ms(*t) + (gt ? 1000 : 0);  // second resolution: gt t means >= t + 1 s
  return std::nullopt;
}

}  // namespace

namespace {

// A single-valued navigation: /api/data/v9.2/{contacts|accounts}(<guid>).
struct EntityKey {
  bool accounts = false;
  std::string_view guid;
};

std::optional<EntityKey> entity_key(std::string_view path) {
  if (!path.starts_with(kApi) || !path.ends_with(")")) return std::nullopt;
  std::string_view rest = path.substr(kApi.size());
  EntityKey k;
  if (rest.starts_with("accounts(")) k.accounts = true;
  else if (!rest.starts_with("contacts(")) return std::nullopt;
  k.guid = rest.substr(9, rest.size() - 10);
  return k;
}

}  // namespace

RouteKind DynamicsDialect::route(std::string_view path) const {
  if (path == "/api/data/v9.2/contacts" || path == "/api/data/v9.2/accounts") return RouteKind::list;
  if (entity_key(path)) return RouteKind::record;
  if (path.starts_with(kApi) || is_token_path(path)) return RouteKind::other;
  return RouteKind::none;
}

bool DynamicsDialect::allows(std::string_view method, std::string_view path) const {
  if (is_token_path(path)) return method == "POST";
  return method == "GET" || method == "HEAD";
}

ServerResponse DynamicsDialect::error(int status, std::string_view /*code*/, std::string_view message) const {
  if (status == 401) {
    // Dataverse: an empty body and a challenge, not an OData error.
    ServerResponse r;
    r.status = 401;
    r.headers.emplace_back(
        "WWW-Authenticate",
        fmt::format(R"(Bearer error=invalid_token, error_description="Error during token validation!", )"
                    R"(authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize, resource_id={})",
                    base_.get()));
    return r;
  }
  if (status == 429)
    return ServerResponse::json(
        429, odata_body("0x80072322", "Number of requests exceeded the limit of 6000 over time window of 300 seconds."));
  std::string_view code = status == 403 ? "0x80040220" : status >= 500 ? "0x80040216" : "0x80060888";
  return ServerResponse::json(status, odata_body(code, message));
}

int64_t DynamicsDialect::view_since_ms(const ServerRequest& req) const {
  int64_t since = INT64_MIN;
  if (auto f = req.param("$filter"); f && !parse_filter(*f, since)) return since;
  return INT64_MIN;
}

ServerResponse DynamicsDialect::handle(const ServerRequest& req) const {
  if (is_token_path(req.path)) return token(req);
  // Authentication comes first, as at the real service.
  std::string_view auth = req.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!auth.starts_with(kBearer) || !tokens_.valid(auth.substr(kBearer.size())))
    return error(401, "unauthorized", "");
  if (req.path == "/api/data/v9.2/contacts") return list(req, false);
  if (req.path == "/api/data/v9.2/accounts") return list(req, true);
  if (auto key = entity_key(req.path)) return record(req, key->accounts, key->guid);
  std::string_view segment = std::string_view(req.path).substr(kApi.size());
  return ServerResponse::json(404, odata_body("0x80060888", fmt::format("Resource not found for the segment '{}'.",
                                                                         segment.substr(0, segment.find('/')))));
}

ServerResponse DynamicsDialect::token(const ServerRequest& req) const {
  auto aad = [](int status, std::string_view err, std::string_view description) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("error", err).field("error_description", description).end_object();
    return ServerResponse::json(status, std::move(out));
  };
  auto grant = form_field(req.body, "grant_type");
  auto client_id = form_field(req.body, "client_id");
  auto secret = form_field(req.body, "client_secret");
  auto scope = form_field(req.body, "scope");
  if (grant != "client_credentials")
    return aad(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.");
  if (!client_id || client_id->empty())
    return aad(400, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'client_id'.");
  if (*client_id != kDynamicsClientId)
    return aad(400, "unauthorized_client",
               "AADSTS700016: Application was not found in the directory. This can happen if the application "
               "has not been installed by the administrator of the tenant.");
  if (!scope || !scope->ends_with("/.default"))
    return aad(400, "invalid_scope",
               "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have "
               "a scope value with /.default suffixed to the resource identifier (application ID URI).");
  if (secret != kDynamicsClientSecret)
    return aad(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
  std::string token = tokens_.issue(std::chrono::seconds(3599));
  if (token.empty())
    return aad(401, "invalid_client", "AADSTS7000222: The provided client secret keys for app are expired.");
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("token_type", "Bearer").field("expires_in", int64_t{3599});
  w.field("ext_expires_in", int64_t{3599}).field("access_token", token).end_object();
  return ServerResponse::json(200, std::move(out));
}

ServerResponse DynamicsDialect::list(const ServerRequest& req, bool accounts) const {
  Query q;
  q.accounts = accounts;
  const std::string_view id_col = accounts ? "accountid" : "contactid";
  const std::string_view entity = accounts ? "account" : "contact";
  for (const auto& [name, value] : req.query) {
    if (!name.starts_with("$")) continue;  // custom parameters are ignored
    if (name == "$select") {
      q.select_raw = value;
      if (auto bad = parse_select(value, accounts, q.select)) return std::move(*bad);
    } else if (name == "$filter") {
      q.filter_raw = value;
      if (auto problem = parse_filter(value, q.since_ms)) return bad_request(*problem);
    } else if (name == "$orderby") {
      q.orderby_raw = value;
      std::string norm;
      for (char c : value)
        if (c != ' ') norm += c;
      std::string want = fmt::format("modifiedonasc,{}asc", id_col);
      std::string want_short = fmt::format("modifiedon,{}", id_col);
      if (norm != want && norm != want_short)
        return bad_request(fmt::format("crm-fake supports only $orderby=modifiedon asc,{} asc", id_col));
    } else if (name == "$skiptoken") {
      auto st = parse_skiptoken(value);
      if (!st) return bad_request("The $skiptoken paging cookie is invalid.");
      q.after = st->key;
      q.page_no = st->page_no;
      q.cookie = st;
    } else if (name == "$deltatoken") {
      q.deltatoken_raw = value;
    } else if (name == "$skip") {
      return bad_request("The query parameter $skip is not supported");
    } else {
      return bad_request(fmt::format("crm-fake does not support the query option {}", name));
    }
  }
  const std::string_view prefer_header = req.header("prefer");
  q.track = prefer_header.find("odata.track-changes") != std::string_view::npos;
  const bool delta = !q.deltatoken_raw.empty();
  // A change-tracking read: the first request asks with Prefer; its next links carry it.
  const bool tracking = delta || (q.cookie ? q.cookie->tracking : q.track);
  if (tracking && !delta && untracked(accounts))
    return bad_request(fmt::format("Change tracking is not enabled for the entity '{}'.", entity));
  for (const auto& [option, raw] : {std::pair<std::string_view, const std::string&>{"$filter", q.filter_raw},
                                    {"$orderby", q.orderby_raw}})
    if (tracking && !raw.empty())
      return bad_request(fmt::format("The \"{}\" query parameter isn't supported when Change Tracking is enabled.", option));
  if (!tracking && q.orderby_raw.empty())
    return bad_request(fmt::format("crm-fake needs $orderby=modifiedon asc,{} asc (keyset paging)", id_col));
  // The version the delta link at the end will stand for: when the read began.
  int64_t version = q.cookie && q.cookie->tracking ? q.cookie->version : tracking_.now_version();
  if (delta) {
    auto number = deltatoken_number(q.deltatoken_raw);
    auto since = number ? tracking_.version_of(*number) : std::nullopt;
    if (!since)
      return ServerResponse::json(400, odata_body("0x80044352", "Version stamp associated with the client has expired. "
                                                                 "Please perform a full sync."));
    q.since_ms = *since;
  }

  const Preferences prefs = parse_prefer(req.header("prefer"));
  int64_t wanted = prefs.max_page_size;
  q.annotations = !prefs.annotations.empty();
  q.applied = prefs.annotations;
  if (wanted > kMaxPage) wanted = kMaxPage;  // larger values are silently ignored
  q.size = std::min(static_cast<size_t>(wanted), max_page_size_);
  if (req.header("prefer").find("odata.maxpagesize") != std::string_view::npos)
    q.applied = fmt::format("odata.maxpagesize={}", q.size) + (q.applied.empty() ? "" : "," + q.applied);
  if (q.track && tracking) q.applied = "odata.track-changes" + (q.applied.empty() ? "" : "," + q.applied);

  // Live rows of this kind after the position, then merged-away rows, merged in order.
  std::vector<Row> rows;
  const bool deleted_phase = q.cookie && q.cookie->deleted_phase;
  OrderKey pos = q.after.value_or(OrderKey{INT64_MIN, 0});
  const size_t want = deleted_phase ? 0 : q.size + 1;
  const size_t chunk = std::min<size_t>(5000, want * 10);
  for (int guard = 0; guard < 1'000'000 && rows.size() < want; ++guard) {
    ListPage lp = data_.list_after(q.since_ms, pos, chunk);
    for (auto& r : lp.records) {
      pos = {r.modified_ms, r.id};
      if (r.company == accounts && rows.size() < want) rows.push_back(Row{r, r.modified_ms, 0});
    }
    if (!lp.more || lp.records.empty()) break;
  }
  // A delta lists its deleted rows after the changed ones (deleted, in deletion order).
  std::vector<OrderKey> gone;
  for (const auto& d : data_.deleted_since(q.since_ms)) {
    if (d.last.company != accounts) continue;
    if (d.merged_into == 0) {
      OrderKey key{d.deleted_ms, d.last.id};
      if (delta && (!deleted_phase || before(*q.after, key))) gone.push_back(key);
      continue;
    }
    Row row{d.last, d.deleted_ms, d.merged_into};
    if (deleted_phase || (q.after && !before(*q.after, row.key()))) continue;
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return before(a.key(), b.key()); });
  std::sort(gone.begin(), gone.end(), before);
  bool more = rows.size() > q.size;
  if (more) rows.resize(q.size);
  if (more || gone.size() + rows.size() <= q.size) {
    if (more) gone.clear();
  } else {
    gone.resize(q.size - rows.size());
    more = true;
  }

  // Render.
  const std::string base = base_.get();
  const std::string set = accounts ? "accounts" : "contacts";
  std::string body;
  body.reserve(256 + rows.size() * 600);
  JsonWriter w(body);
  w.begin_object();
  std::string cols;
  for (const auto& c : q.select) cols += (cols.empty() ? "" : ",") + c;
  w.field("@odata.context", fmt::format("{}/api/data/v9.2/$metadata#{}({}){}", base, set, cols, delta ? "/$delta" : ""));
  w.key("value").begin_array();
  for (const Row& row : rows) {
    w.begin_object();
    write_row(w, row, accounts, q.select, q.annotations);
    w.end_object();
  }
  for (const OrderKey& key : gone) {
    w.begin_object();
    w.field("@odata.context", fmt::format("{}/api/data/v9.2/$metadata#{}/$deletedEntity", base, set));
    w.field("id", dynamics_guid(key.id, accounts));
    w.field("reason", "deleted");
    w.end_object();
  }
  w.end_array();
  std::string link = fmt::format("{}/api/data/v9.2/{}?", base, set);
  if (!q.select_raw.empty()) link += "$select=" + enc(q.select_raw) + "&";
  if (more) {
    if (!q.filter_raw.empty()) link += "$filter=" + enc(q.filter_raw) + "&";
    if (!q.orderby_raw.empty()) link += "$orderby=" + enc(q.orderby_raw) + "&";
    if (delta) link += "$deltatoken=" + enc(q.deltatoken_raw) + "&";
    Cookie next{gone.empty() ? rows.back().key() : gone.back(), q.page_no + 1, tracking, version, !gone.empty()};
    w.field("@odata.nextLink", link + "$skiptoken=" + enc(skiptoken(next)));
  } else if (tracking) {
    w.field("@odata.deltaLink", link + "$deltatoken=" + enc(deltatoken(tracking_.issue(version), version)));
  }
  w.end_object();
  auto resp = ServerResponse::json(200, std::move(body));
  resp.headers.emplace_back("OData-Version", "4.0");
  if (!q.applied.empty()) resp.headers.emplace_back("Preference-Applied", q.applied);
  return resp;
}

ServerResponse DynamicsDialect::record(const ServerRequest& req, bool accounts, std::string_view guid) const {
  std::vector<std::string> select;
  std::string select_raw;
  for (const auto& [name, value] : req.query) {
    if (!name.starts_with("$")) continue;
    if (name != "$select") return bad_request(fmt::format("crm-fake does not support the query option {} on a retrieve", name));
    select_raw = value;
    if (auto bad = parse_select(value, accounts, select)) return std::move(*bad);
  }
  const std::string_view entity = accounts ? "account" : "contact";
  // Dataverse's answer for a key it does not hold (deleted, or never there).
  auto missing = [&] {
    return ServerResponse::json(404, odata_body("0x80040217", fmt::format("{} With Id = {} Does Not Exist", entity, guid)));
  };
  auto id = dynamics_id_of(guid);
  if (!id || guid != dynamics_guid(*id, accounts)) return missing();
  std::optional<Row> row;
  if (auto r = data_.get(*id); r && r->company == accounts) {
    row = Row{*r, r->modified_ms, 0};
  } else {
    // A merged-away row stays, deactivated and pointing at its survivor.
    for (const auto& d : data_.deleted_since(INT64_MIN))
      if (d.last.id == *id && d.merged_into != 0 && d.last.company == accounts) row = Row{d.last, d.deleted_ms, d.merged_into};
  }
  if (!row) return missing();
  const Preferences prefs = parse_prefer(req.header("prefer"));
  std::string body;
  JsonWriter w(body);
  w.begin_object();
  w.field("@odata.context", fmt::format("{}/api/data/v9.2/$metadata#{}({})/$entity", base_.get(),
                                        accounts ? "accounts" : "contacts", select_raw));
  write_row(w, *row, accounts, select, !prefs.annotations.empty());
  w.end_object();
  auto resp = ServerResponse::json(200, std::move(body));
  resp.headers.emplace_back("OData-Version", "4.0");
  if (!prefs.annotations.empty()) resp.headers.emplace_back("Preference-Applied", prefs.annotations);
  return resp;
}

}  // namespace crm::fake
