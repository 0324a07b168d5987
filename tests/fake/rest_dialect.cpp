#include "fake/rest_dialect.h"


#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <climits>

#include "core/json_writer.h"
#include "core/text_codec.h"

namespace crm::fake {
namespace {

// Percent-encodes a query value (RFC 3986 unreserved characters pass).
std::string url_encode(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~')
      out += c;
    else
      out += fmt::format("%{:02X}", u);
  }
  return out;
}

}  // namespace

std::optional<int> parse_utc_offset(std::string_view tz) {
  if (tz == "Z" || tz == "z") return 0;
  if (tz.size() != 6 || (tz[0] != '+' && tz[0] != '-') || tz[3] != ':') return std::nullopt;
  auto h = parse_uint(tz.substr(1, 2)), m = parse_uint(tz.substr(4, 2));
  if (!h || !m || *h > 14 || *m > 59) return std::nullopt;
  int minutes = static_cast<int>(*h * 60 + *m);
  return tz[0] == '-' ? -minutes : minutes;
}

std::string encode_cursor(OrderKey key) { return base64url(fmt::format("{}:{}", key.modified_ms, key.id)); }

std::optional<OrderKey> decode_cursor(std::string_view cursor) {
  auto raw = unbase64url(cursor);
  if (!raw) return std::nullopt;
  std::string_view s = *raw;
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto ms = parse_uint(s.substr(0, colon)), id = parse_uint(s.substr(colon + 1));
  // Bounded so that "just after this key" arithmetic cannot overflow.
  if (!ms || !id || *ms > static_cast<uint64_t>(INT64_MAX / 2) || *id == 0) return std::nullopt;
  return OrderKey{static_cast<int64_t>(*ms), *id};
}

RestDialect::RestDialect(const Dataset& data, RestOptions options, const BaseUrl& base)
    : data_(data), options_(std::move(options)), base_(base) {}

std::optional<RestDialect::Style> RestDialect::style_of(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, Style>, 5> kRoutes{{
      {"/page/contacts", Style::page},
      {"/offset/contacts", Style::offset},
      {"/next_url/contacts", Style::next_url},
      {"/link_header/contacts", Style::link_header},
      {"/cursor/contacts", Style::cursor},
  }};
  for (const auto& [p, style] : kRoutes)
    if (path == p) return style;
  return std::nullopt;
}

// "/contacts/{id}" → the id; nullopt for other paths.
std::optional<std::string_view> RestDialect::record_id_of(std::string_view path) {
  constexpr std::string_view kRecord = "/contacts/";
  if (!path.starts_with(kRecord) || path.size() == kRecord.size()) return std::nullopt;
  std::string_view id = path.substr(kRecord.size());
  if (id.find('/') != std::string_view::npos) return std::nullopt;
  return id;
}

RouteKind RestDialect::route(std::string_view path) const {
  if (style_of(path)) return RouteKind::list;
  return record_id_of(path) ? RouteKind::record : RouteKind::none;
}

ServerResponse RestDialect::error(int status, std::string_view code, std::string_view message) const {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("error").begin_object();
  w.field("code", code).field("message", message);
  w.end_object().end_object();
  return ServerResponse::json(status, std::move(out));
}

std::string RestDialect::format_time(int64_t ms) const {
  std::string s = format_iso8601_seconds(from_ms(ms + int64_t{options_.tz_offset_minutes} * 60000));
  if (!s.empty() && s.back() == 'Z') s.pop_back();
  return s + options_.tz_suffix;
}

void RestDialect::append_record(std::string& out, const FakeRecord& r) const {
  JsonWriter w(out);
  w.begin_object();
  w.field("id", fmt::format("{}", r.id));
  w.field("type", r.company ? "company" : "person");
  w.field("full_name", r.full_name);
  w.key("first_name").string_or_null(r.first_name);
  w.key("last_name").string_or_null(r.last_name);
  w.key("contact").begin_object();
  w.key("email").string_or_null(r.email);
  w.key("phone").string_or_null(r.phone);
  w.end_object();
  w.key("company");
  if (r.company || r.company_name.empty()) {
    w.null();
  } else {
    w.begin_object().field("name", r.company_name).end_object();
  }
  w.field("modified_at", format_time(r.modified_ms));
  w.end_object();
}

int64_t RestDialect::view_since_ms(const ServerRequest& req) const {
  auto raw = req.param("modified_since");
  if (!raw) return INT64_MIN;
  auto t = parse_iso8601(*raw);
  return t ? to_ms(*t) : INT64_MIN;
}

Result<RestDialect::ListRequest> RestDialect::parse(const ServerRequest& req, Style style) const {
  ListRequest lr;
  lr.style = style;
  if (auto raw = req.param("modified_since")) {
    auto t = parse_iso8601(*raw);
    if (!t) return Error::data(fmt::format("modified_since: not a timestamp: {}", *raw));
    lr.since_ms = to_ms(*t);
    lr.since_raw = *raw;
  }
  const char* size_name = style == Style::offset || style == Style::cursor ? "limit" : "per_page";
  size_t requested = options_.default_page_size;
  if (auto raw = req.param(size_name)) {
    auto n = parse_uint(*raw);
    if (!n || *n < 1)
      return Error::data(fmt::format("{}: must be a positive integer, got '{}'", size_name, *raw));
    requested = static_cast<size_t>(std::min<uint64_t>(*n, SIZE_MAX));
  }
  lr.size = std::min(requested, options_.max_page_size);

  // The paging parameter of this style; the others' are ignored, as real APIs do.
  if (style == Style::page || style == Style::link_header) {
    if (auto raw = req.param("page")) {
      auto p = parse_uint(*raw);
      if (!p || *p < 1) return Error::data(fmt::format("page: must be a positive integer, got '{}'", *raw));
      lr.page_no = *p;
    }
    if (__builtin_mul_overflow(lr.page_no - 1, uint64_t{lr.size}, &lr.offset)) lr.offset = UINT64_MAX;
  } else if (style == Style::offset || style == Style::next_url) {
    if (auto raw = req.param("offset")) {
      auto k = parse_uint(*raw);
      if (!k) return Error::data(fmt::format("offset: must be a non-negative integer, got '{}'", *raw));
      lr.offset = *k;
    }
  } else if (auto raw = req.param("cursor"); raw && !raw->empty()) {  // "cursor=": the start
    lr.after = decode_cursor(*raw);
    if (!lr.after) return Error::data(fmt::format("cursor: invalid cursor '{}'", *raw));
  }
  return lr;
}

ServerResponse RestDialect::one(std::string_view id) const {
  auto n = parse_uint(id);
  std::optional<FakeRecord> r = n ? data_.get(*n) : std::nullopt;
  if (!r) return error(404, "not_found", fmt::format("no contact with id {}", id));
  std::string body = R"({"data":)";
  append_record(body, *r);
  body += '}';
  return ServerResponse::json(200, std::move(body));
}

ServerResponse RestDialect::handle(const ServerRequest& req, PageBend bend) const {
  if (auto id = record_id_of(req.path)) return one(*id);  // one record: no page to bend
  auto style = style_of(req.path);
  if (!style) return error(404, "not_found", fmt::format("no route for {}", req.path));
  auto lr = parse(req, *style);
  if (!lr) return error(400, "bad_request", lr.error().message);
  if (bend == PageBend::cut_short) {
    ListPage none = data_.list(lr->since_ms, 0, 0);  // for the total only
    none.records.clear();
    none.more = false;
    return render(*lr, none);
  }
  if (bend == PageBend::repeat_previous && !lr->after && lr->offset > 0) --lr->offset;
  std::optional<FakeRecord> repeated;
  if (bend == PageBend::repeat_previous && lr->after && lr->size > 1) {
    // The cursor's own record, i.e. the last one of the previous page, comes first again.
    repeated = data_.get(lr->after->id);
    if (repeated && repeated->modified_ms < lr->since_ms) repeated.reset();
  }
  ListPage page = lr->after ? data_.list_after(lr->since_ms, *lr->after, lr->size - (repeated ? 1 : 0))
                            : data_.list(lr->since_ms, lr->offset, lr->size);
  if (repeated) page.records.insert(page.records.begin(), std::move(*repeated));
  return render(*lr, page);
}

ServerResponse RestDialect::render(const ListRequest& lr, const ListPage& page) const {
  std::string body;
  body.reserve(64 + page.records.size() * 320);
  body += R"({"data":[)";
  for (size_t i = 0; i < page.records.size(); ++i) {
    if (i) body += ',';
    append_record(body, page.records[i]);
  }
  body += ']';

  std::string link_header;
  const std::string base = base_.get();
  std::string since = lr.since_raw ? "&modified_since=" + url_encode(*lr.since_raw) : "";
  switch (lr.style) {
    case Style::page:
      body +=
          fmt::format(R"(,"meta":{{"page":{},"per_page":{},"total":{}}}}})", lr.page_no, lr.size, page.total);
      break;
    case Style::offset:
      body +=
          fmt::format(R"(,"meta":{{"offset":{},"limit":{},"total":{}}}}})", lr.offset, lr.size, page.total);
      break;
    case Style::next_url: {
      std::string next = "null";
      if (page.more) {
        next.clear();
        append_json_string(next, fmt::format("{}/next_url/contacts?per_page={}{}&offset={}", base, lr.size,
                                             since, lr.offset + page.records.size()));
      }
      body += fmt::format(R"(,"links":{{"next":{}}}}})", next);
      break;
    }
    case Style::link_header:
      body += '}';
      // rel="first" comes first, so a client that takes the first link loops forever.
      link_header =
          fmt::format(R"(<{}/link_header/contacts?per_page={}{}&page=1>; rel="first")", base, lr.size, since);
      if (page.more)
        link_header += fmt::format(R"(, <{}/link_header/contacts?per_page={}{}&page={}>; rel="next")", base,
                                   lr.size, since, lr.page_no + 1);
      break;
    case Style::cursor: {
      std::string next = "null";
      if (page.more && !page.records.empty()) {
        const FakeRecord& last = page.records.back();
        next = '"' + encode_cursor({last.modified_ms, last.id}) + '"';
      }
      body += fmt::format(R"(,"meta":{{"next_cursor":{}}}}})", next);
      break;
    }
  }
  auto resp = ServerResponse::json(200, std::move(body));
  if (!link_header.empty()) resp.headers.emplace_back("Link", std::move(link_header));
  return resp;
}

}  // namespace crm::fake
