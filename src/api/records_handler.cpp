// GET /v1/records (filters, keyset pagination) and GET /v1/records/{source}/{external_id}.
#include <fmt/format.h>

#include "api/api_errors.h"
#include "api/handlers.h"
#include "api/keyset_token.h"
#include "api/page_params.h"
#include "api/query_params.h"
#include "core/json_writer.h"
#include "store/record_json.h"

namespace crm {
namespace {

// Search text beyond these is refused rather than handed to FTS5: every word is a
// prefix query, and a few short prefixes already cover most of an index.
constexpr size_t kMaxSearchBytes = 256;
constexpr int kMaxSearchWords = 8;
constexpr size_t kMaxEmailBytes = 320;  // RFC 5321: 64 + 1 + 255

int count_words(std::string_view s) {
  int n = 0;
  bool in_word = false;
  for (char c : s) {
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

// The filters of a records request, or the 400 explaining which one is wrong.
Checked<RecordQuery> read_filters(const QueryParams& p) {
  RecordQuery q;
  if (auto e = p.read("source", q.source, parse_nonempty)) return *e;
  if (auto v = p.get("q")) {
    if (v->size() > kMaxSearchBytes)
      return ApiError::bad_parameter("q", fmt::format("at most {} bytes", kMaxSearchBytes));
    if (count_words(*v) > kMaxSearchWords)
      return ApiError::bad_parameter("q", fmt::format("at most {} words", kMaxSearchWords));
    q.text = *v;  // blank: no search
  }
  if (auto v = p.get("email")) {
    if (v->empty() || v->size() > kMaxEmailBytes)
      return ApiError::bad_parameter("email", fmt::format("must be 1 to {} bytes", kMaxEmailBytes));
    q.email = *v;
  }
  if (auto e = p.read("updated_since", q.updated_since, parse_timestamp)) return *e;
  if (auto e = p.read("include_deleted", q.include_deleted, parse_bool)) return *e;
  auto customer = [](std::string_view name, std::string_view v) -> Checked<int64_t> {
    auto id = parse_customer_id(v);
    if (!id) return ApiError::bad_parameter(name, "expected a customer id such as c_42");
    return *id;
  };
  if (auto e = p.read("customer_id", q.customer_id, customer)) return *e;
  auto page = read_page_params(p, kDefaultLimit, kMaxLimit);
  if (!page) return page.error();
  q.limit = page->limit;
  q.after_row_id = page->after;
  return q;
}

}  // namespace

ServerResponse handle_records(ApiDeps& deps, const ServerRequest& req) {
  auto params = QueryParams::parse(
      req.query, {"source", "q", "email", "updated_since", "include_deleted", "customer_id", "limit", "after"});
  if (!params) return error_response(params.error());
  auto filters = read_filters(*params);
  if (!filters) return error_response(filters.error());
  RecordQuery q = std::move(*filters);

  int limit = q.limit;
  q.limit = limit + 1;  // one more than asked: tells whether a next page exists
  auto rows = read_index(deps, [&](ApiQueries& index) { return index.records(q); });
  if (!rows) return error_response(rows.error());
  bool more = trim_to_limit(*rows, limit);

  std::string body;
  body.reserve(rows->size() * 512 + 64);
  body += "{\"items\":[";
  for (size_t i = 0; i < rows->size(); ++i) {
    if (i) body += ',';
    append_record_json(body, (*rows)[i].record);
  }
  body += "],\"next\":";
  if (more) append_json_string(body, encode_keyset_token(rows->back().row_id));
  else body += "null";
  body += '}';
  return ServerResponse::json(200, std::move(body));
}

ServerResponse handle_record(ApiDeps& deps, const ServerRequest& req, const RouteMatch& route) {
  auto params = QueryParams::parse(req.query, {});
  if (!params) return error_response(params.error());
  if (!valid_text(route.source) || !valid_text(route.external_id))
    return error_response({400, "invalid_path", "the path is not valid UTF-8"});
  auto found = read_index(deps, [&](ApiQueries& index) { return index.record(route.source, route.external_id); });
  if (!found) return error_response(found.error());
  if (!*found)
    return error_response(ApiError::not_found(
        fmt::format("no record '{}' in source '{}'", route.external_id, route.source)));
  std::string body;
  append_record_json(body, **found);
  return ServerResponse::json(200, std::move(body));
}

}  // namespace crm
