#include "fake/suitecrm_dialect.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <span>
#include <vector>

#include "core/json_writer.h"
#include "fake/form_body.h"
#include "fake/php_json.h"
#include "fake/php_query.h"
#include "fake/suitecrm_params.h"

namespace crm::fake {
namespace {

constexpr std::string_view kTokenPath = "/Api/access_token";
constexpr std::string_view kModulePrefix = "/Api/V8/module/";
constexpr std::string_view kMediaType = "application/vnd.api+json";
constexpr size_t kUnpagedRecords = 20;      // list_max_entries_per_page, without page[size]
constexpr size_t kMaxAnswerRecords = 50000;  // the fake's memory bound (PHP's memory_limit)
constexpr size_t kChunk = 2000;
constexpr int64_t kTokenTtlSeconds = 3600;

// {"errors":{"status":…,"title":null,"detail":…}}: one object, not JSON:API's array.
std::string errors_body(int status, std::string_view detail) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("errors").begin_object().field("status", int64_t{status}).key("title").null();
  w.field("detail", detail).end_object().end_object();
  return php_pretty_json(out);
}

ServerResponse answer(int status, std::string body, std::string_view content_type) {
  ServerResponse r;
  r.status = status;
  r.headers = {{"Content-Type", std::string(content_type)}, {"Accept", std::string(kMediaType)}};
  r.body = std::move(body);
  return r;
}

// A parameter refused by ParamsMiddleware, which answers with Slim's withJson().
ServerResponse bad_param(std::string_view detail) {
  return answer(400, errors_body(400, detail), "application/json;charset=utf-8");
}

// league/oauth2-server's OAuthServerException payload: error, error_description, hint, message.
ServerResponse oauth_error(int status, std::string_view error, std::string_view description,
                           std::string_view hint = {}) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("error", error).field("error_description", description);
  if (!hint.empty()) w.field("hint", hint);
  w.field("message", description).end_object();
  ServerResponse r = ServerResponse::json(status, std::move(out));
  r.headers = {{"Content-Type", "application/json"}};
  return r;
}

std::string_view module_part(std::string_view path) {
  path.remove_prefix(kModulePrefix.size());
  return path.substr(0, path.find('/'));
}

// Calls emit(row) for the rows of one date_modified second in the order of one request
// (suite_tie_rank with `salt`), then clears them; false when emit says stop.
template <class Fn>
bool flush_ties(std::vector<SuiteRow>& ties, uint64_t salt, Fn& emit) {
  std::sort(ties.begin(), ties.end(), [salt](const SuiteRow& a, const SuiteRow& b) {
    return suite_tie_rank(a.rec.id, salt) < suite_tie_rank(b.rec.id, salt);
  });
  for (const auto& row : ties)
    if (!emit(row)) return false;
  ties.clear();
  return true;
}

// Calls fn(row) for every row of the module's table that may match `where`, live and
// deleted, in (date_modified, id) order or in id order (the table's primary key); stops
// when fn returns false.
template <class Fn>
void for_each_sorted_row(const Dataset& data, const SuiteModule& m, const SuiteWhere& where, bool by_id, Fn&& fn) {
  auto less = [by_id](const SuiteRow& a, const SuiteRow& b) {
    return by_id ? a.rec.id < b.rec.id : before({a.modified_ms, a.rec.id}, {b.modified_ms, b.rec.id});
  };
  std::vector<SuiteRow> gone;
  for (auto& d : data.deleted_since(where.since_ms))
    if (d.last.company == m.companies) gone.push_back(SuiteRow{std::move(d.last), d.deleted_ms, true});
  std::sort(gone.begin(), gone.end(), less);
  size_t g = 0;
  OrderKey pos{INT64_MIN, 0};
  for (int guard = 0; guard < 10'000'000; ++guard) {
    std::vector<FakeRecord> chunk;
    bool more = false;
    if (by_id) {
      chunk = data.by_id(pos.id, kChunk);
      more = chunk.size() == kChunk;
    } else {
      ListPage lp = data.list_after(where.since_ms, pos, kChunk);
      chunk = std::move(lp.records);
      more = lp.more;
    }
    for (auto& r : chunk) {
      pos = {r.modified_ms, r.id};
      if (r.company != m.companies) continue;
      SuiteRow row{std::move(r), pos.modified_ms, false};
      while (g < gone.size() && less(gone[g], row))
        if (!fn(gone[g++])) return;
      if (!fn(row)) return;
    }
    if (!more || chunk.empty()) break;
  }
  while (g < gone.size())
    if (!fn(gone[g++])) return;
}

// Calls fn(row) for every row of the module's table that may match `where`, live and
// deleted, in date_modified order (equal seconds in an order of the request's `salt`:
// ORDER BY date_modified has no tie-breaker) or in id order (the table's primary key,
// what MySQL walks without ORDER BY); stops when fn returns false.
template <class Fn>
void for_each_row(const Dataset& data, const SuiteModule& m, const SuiteWhere& where, bool by_id, uint64_t salt,
                  Fn&& emit) {
  std::vector<SuiteRow> ties;
  auto fn = [&](const SuiteRow& row) {
    if (by_id) return emit(row);
    if (!ties.empty() && ties.front().modified_ms != row.modified_ms && !flush_ties(ties, salt, emit)) return false;
    ties.push_back(row);
    return true;
  };
  for_each_sorted_row(data, m, where, by_id, fn);
  if (!ties.empty()) flush_ties(ties, salt, emit);
}

// The rows of one answer, and what SuiteCRM counts around them.
struct Window {
  std::vector<SuiteRow> rows;
  uint64_t matching = 0;  // COUNT(*) WHERE <where>: deleted rows too, if the where lets them
  bool too_big = false;   // over kMaxAnswerRecords
};

Window select(const Dataset& data, const SuiteModule& m, const SuiteListParams& p, uint64_t offset, uint64_t limit,
              uint64_t seeded, uint64_t salt) {
  const bool by_id = p.sort_field != "date_modified";
  auto matches = [&](const SuiteRow& row) {
    return p.where.matches([&](std::string_view f) { return suite_db_value(m, row, f, seeded); });
  };
  Window w;
  uint64_t listed = 0;  // rows get_list() returns: the where AND deleted = 0 unless shown
  // Descending: count first, then take the same rows from the other end.
  uint64_t from = offset, to = offset > UINT64_MAX - limit ? UINT64_MAX : offset + limit;
  if (p.sort_desc) {
    for_each_row(data, m, p.where, by_id, salt, [&](const SuiteRow& row) {
      if (matches(row) && (p.where.show_deleted || !row.deleted)) ++listed;
      return true;
    });
    to = listed > offset ? listed - offset : 0;
    from = to > limit ? to - limit : 0;
    listed = 0;
  }
  for_each_row(data, m, p.where, by_id, salt, [&](const SuiteRow& row) {
    if (!matches(row)) return true;
    ++w.matching;
    if (!p.where.show_deleted && row.deleted) return true;
    uint64_t at = listed++;
    if (at >= from && at < to) {
      if (w.rows.size() == kMaxAnswerRecords) w.too_big = true;
      else w.rows.push_back(row);
    }
    return !w.too_big;
  });
  if (p.sort_desc) std::reverse(w.rows.begin(), w.rows.end());
  return w;
}

constexpr std::pair<std::string_view, std::string_view> kContactLinks[] = {
    {"Accounts", "accounts"}, {"Opportunities", "opportunities"}, {"Cases", "cases"}};
constexpr std::pair<std::string_view, std::string_view> kAccountLinks[] = {
    {"Contacts", "contacts"}, {"Opportunities", "opportunities"}};

void write_record(JsonWriter& w, const SuiteModule& m, const SuiteRow& row, const std::vector<std::string>& fields,
                  uint64_t seeded, bool seconds) {
  const std::string guid = suite_guid(row.rec.id);
  w.begin_object().field("type", m.name).field("id", guid).key("attributes").begin_object();
  for (std::string_view f : m.fields) {
    if (f == "id") continue;  // AttributeObjectHelper unsets it
    if (!fields.empty() && std::find(fields.begin(), fields.end(), f) == fields.end()) continue;
    w.field(f, suite_api_value(m, row, f, seeded, seconds));
  }
  w.end_object().key("relationships").begin_object();
  using Links = std::span<const std::pair<std::string_view, std::string_view>>;
  for (const auto& [name, link] : m.companies ? Links(kAccountLinks) : Links(kContactLinks)) {
    w.key(name).begin_object().key("links").begin_object();
    w.field("related", fmt::format("V8/module/{}/{}/relationships/{}", m.name, guid, link));
    w.end_object().end_object();
  }
  w.end_object().end_object();
}

// PaginationObjectHelper::createPaginationLink(): the request's own query with
// page[number] set, urldecode(http_build_query(…)), relative to /Api.
std::string page_link(const SuiteModule& m, PhpValue query, int64_t number) {
  query.at("page").at("number") = PhpValue{false, std::to_string(number), {}};
  return fmt::format("V8/module/{}?{}", m.name, php_link_query(query));
}

// Paths of the site outside /Api, where a base_url without /Api leads: the legacy UI's
// front controller and what Apache hands to it (V8/… without the /Api rewrite).
bool is_site_path(std::string_view path) {
  return path == "/index.php" || path.starts_with("/V8/") || path.starts_with("/legacy/");
}

// What SuiteCRM answers there without a UI session: a 301 to the login page, and the
// login page itself (HTML).
ServerResponse site_page(const ServerRequest& req, const std::string& base) {
  ServerResponse r;
  r.headers = {{"Content-Type", "text/html; charset=UTF-8"}};
  if (req.path == "/index.php") {
    r.status = 200;
    r.body = "<!DOCTYPE html>\n<html><head><title>SuiteCRM</title></head><body><form action=\"index.php\" "
             "method=\"post\" name=\"DetailView\" id=\"form\"><input type=\"hidden\" name=\"module\" "
             "value=\"Users\"><input type=\"hidden\" name=\"action\" value=\"Authenticate\">"
             "<input type=\"text\" name=\"user_name\"><input type=\"password\" name=\"username_password\">"
             "</form></body></html>\n";
    return r;
  }
  std::string login = base + "/index.php?action=Login&module=Users";
  r.status = 301;
  r.headers.emplace_back("Location", login);
  r.body = fmt::format("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>301 Moved "
                       "Permanently</title>\n</head><body>\n<h1>Moved Permanently</h1>\n<p>The document has moved "
                       "<a href=\"{}\">here</a>.</p>\n</body></html>\n",
                       login);
  return r;
}

}  // namespace

SuiteCrmDialect::SuiteCrmDialect(const Dataset& data, TokenIssuer& tokens, const BaseUrl& base, SuiteOptions options)
    : data_(data), tokens_(tokens), base_(base), options_(options) {}

RouteKind SuiteCrmDialect::route(std::string_view path) const {
  if (path == kTokenPath) return RouteKind::other;
  if (path == "/Api/V8/module/Contacts" || path == "/Api/V8/module/Accounts") return RouteKind::list;
  // GET /Api/V8/module/{Module}/{id}: one record (ModuleController::getModuleRecord).
  for (std::string_view module : {"Contacts/", "Accounts/"})
    if (path.starts_with(kModulePrefix) && path.substr(kModulePrefix.size()).starts_with(module)) {
      std::string_view id = path.substr(kModulePrefix.size() + module.size());
      if (!id.empty() && id.find('/') == std::string_view::npos) return RouteKind::record;
    }
  if (path.starts_with("/Api/") || is_site_path(path)) return RouteKind::other;
  return RouteKind::none;
}

bool SuiteCrmDialect::allows(std::string_view method, std::string_view path) const {
  if (path == kTokenPath) return method == "POST";
  return method == "GET" || method == "HEAD" || is_site_path(path);
}

ServerResponse SuiteCrmDialect::error(int status, std::string_view /*code*/, std::string_view message) const {
  return answer(status, errors_body(status, message), kMediaType);
}

int64_t SuiteCrmDialect::view_since_ms(const ServerRequest& req) const {
  const SuiteModule* m = req.path.starts_with(kModulePrefix) ? suite_module(module_part(req.path)) : nullptr;
  if (!m) return INT64_MIN;
  SuiteListParams p = parse_suite_params(*m, parse_php_query(req.query), false);
  return p.error.empty() ? p.where.since_ms : INT64_MIN;
}

ServerResponse SuiteCrmDialect::handle(const ServerRequest& req) const {
  if (req.path == kTokenPath) return token(req);
  if (is_site_path(req.path)) return site_page(req, base_.get());
  // league's ResourceServer first: "Bearer " exactly, then a token it issued.
  std::string_view auth = req.header("authorization");
  if (auth.empty())
    return oauth_error(401, "access_denied", "The resource owner or authorization server denied the request.",
                       "Missing \"Authorization\" header");
  constexpr std::string_view kBearer = "Bearer ";
  if (!auth.starts_with(kBearer) || !tokens_.valid(auth.substr(kBearer.size())))
    return oauth_error(401, "access_denied", "The resource owner or authorization server denied the request.",
                       "Access token could not be verified");
  if (!req.path.starts_with(kModulePrefix) || module_part(req.path).empty())
    return error(404, "not_found", fmt::format("No route for {}", req.path));
  std::string_view rest = std::string_view(req.path).substr(kModulePrefix.size());
  std::string_view name = rest.substr(0, rest.find('/'));
  const SuiteModule* m = suite_module(name);
  if (!m) return bad_param(fmt::format("Module {} does not exist", name));
  if (rest.size() == name.size()) return list(req, *m);
  std::string_view id = rest.substr(name.size() + 1);
  if (id.empty() || id.find('/') != std::string_view::npos)
    return error(404, "not_found", fmt::format("No route for {}", req.path));
  return one(req, *m, id);
}

ServerResponse SuiteCrmDialect::token(const ServerRequest& req) const {
  std::optional<std::string> grant = form_field(req.body, "grant_type");
  if (grant != "client_credentials" && grant != "password")
    return oauth_error(400, "unsupported_grant_type",
                       "The authorization grant type is not supported by the authorization server.",
                       "Check that all required parameters have been provided");
  // league reads HTTP Basic first, then the body.
  std::optional<std::string> id, secret;
  const bool basic = req.header("authorization").starts_with("Basic ");
  if (auto pair = basic_credentials(req.header("authorization")); pair && pair->find(':') != std::string::npos) {
    id = pair->substr(0, pair->find(':'));
    secret = pair->substr(pair->find(':') + 1);
  } else {
    id = form_field(req.body, "client_id");
    secret = form_field(req.body, "client_secret");
  }
  if (!id || id->empty())
    return oauth_error(400, "invalid_request",
                       "The request is missing a required parameter, includes an invalid parameter value, includes a "
                       "parameter more than once, or is otherwise malformed.",
                       "Check the `client_id` parameter");
  // The OAuth2Clients record is a client-credentials client: the password grant is refused too.
  std::string token = *id == kSuiteClientId && secret == kSuiteClientSecret && grant == "client_credentials"
                          ? tokens_.issue(std::chrono::seconds(kTokenTtlSeconds))
                          : std::string();
  if (token.empty()) {
    ServerResponse r = oauth_error(401, "invalid_client", "Client authentication failed");
    if (basic) r.headers.emplace_back("WWW-Authenticate", R"(Basic realm="OAuth")");
    return r;
  }
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("token_type", "Bearer").field("expires_in", kTokenTtlSeconds).field("access_token", token);
  w.end_object();
  ServerResponse r = ServerResponse::json(200, std::move(out));
  r.headers = {{"Content-Type", "application/json; charset=UTF-8"}, {"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
  return r;
}

ServerResponse SuiteCrmDialect::list(const ServerRequest& req, const SuiteModule& m) const {
  const PhpValue query = parse_php_query(req.query);
  const SuiteListParams p = parse_suite_params(m, query, false);
  if (!p.error.empty()) return bad_param(p.error);

  // ModuleService::getRecords(): offset = number ? (number - 1) * size : 0; without
  // page[size] get_list() takes list_max_entries_per_page from the start, unpaged.
  const bool paged = p.size.has_value();
  const int64_t number = p.number.value_or(0);
  const uint64_t size = paged ? static_cast<uint64_t>(*p.size) : kUnpagedRecords;
  const uint64_t offset = paged && number > 0 ? static_cast<uint64_t>(number - 1) * size : 0;
  const bool overflow = paged && number > 0 && static_cast<uint64_t>(number - 1) > UINT64_MAX / size;
  Window win = overflow ? Window{} : select(data_, m, p, offset, size, data_.seeded_count(), ++list_requests_);
  if (win.too_big) {
    ServerResponse r;
    r.status = 500;
    r.headers = {{"Content-Type", "text/html; charset=UTF-8"}};
    r.body = "<br />\n<b>Fatal error</b>:  Allowed memory size of 268435456 bytes exhausted (tried to allocate "
             "20480 bytes) in <b>/var/www/html/data/SugarBean.php</b> on line <b>3211</b><br />\n";
    return r;
  }
  // getRecords() reloads each listed bean with getBeanSafe(), which finds no deleted
  // one: a page with a deleted row (filter[deleted][eq]=1) is this 400, so deleted
  // records cannot be listed.
  for (const auto& row : win.rows)
    if (row.deleted)
      return answer(400, errors_body(400, fmt::format("{} module with id {} is not found", m.name, suite_guid(row.rec.id))),
                    kMediaType);

  std::string body;
  body.reserve(256 + win.rows.size() * 1200);
  JsonWriter w(body);
  w.begin_object();
  const bool pagination = paged && !win.rows.empty();
  const int64_t total_pages = paged ? static_cast<int64_t>((win.matching + size - 1) / size) : 0;
  if (pagination) {
    w.key("meta").begin_object().field("total-pages", total_pages);
    w.field("records-on-this-page", static_cast<int64_t>(win.rows.size())).end_object();
  } else if (win.rows.empty()) {
    w.key("meta").begin_object().field("message", "Request was successful, but there is no result").end_object();
  }
  w.key("data").begin_array();
  for (const auto& row : win.rows) write_record(w, m, row, p.fields, data_.seeded_count(), options_.seconds);
  w.end_array();
  if (pagination) {
    auto link = [&](bool present, int64_t n) {
      if (present) w.value(page_link(m, query, n));
      else w.null();
    };
    w.key("links").begin_object();
    w.key("first");
    link(number > 1, 1);
    w.key("prev");
    link(number > 1, number - 1);
    w.key("next");
    link(number + 1 <= total_pages, number + 1);
    w.key("last");
    link(number + 1 <= total_pages, total_pages);
    w.end_object();
  }
  w.end_object();
  return answer(200, php_pretty_json(body), kMediaType);
}

ServerResponse SuiteCrmDialect::one(const ServerRequest& req, const SuiteModule& m, std::string_view guid) const {
  const SuiteListParams p = parse_suite_params(m, parse_php_query(req.query), true);
  if (!p.error.empty()) return bad_param(p.error);
  std::optional<uint64_t> id = suite_id_of(guid);
  std::optional<FakeRecord> rec = id ? data_.get(*id) : std::nullopt;
  if (!rec || rec->company != m.companies)  // getBeanSafe(): an InvalidArgumentException, 400
    return answer(400, errors_body(400, fmt::format("{} module with id {} is not found", m.name, guid)), kMediaType);
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("data");
  const int64_t modified = rec->modified_ms;
  write_record(w, m, SuiteRow{std::move(*rec), modified, false}, p.fields, data_.seeded_count(), options_.seconds);
  w.end_object();
  return answer(200, php_pretty_json(body), kMediaType);
}

}  // namespace crm::fake
