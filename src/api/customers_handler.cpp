// GET /v1/customers (filters q, source, min_members; keyset pagination),
// GET /v1/customers/{id} and GET /v1/suggestions (design.md "API contract").
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

constexpr size_t kMaxSearchBytes = 256;

void append_ref(JsonWriter& w, const CustomerRow& c, int64_t row_id) {
  w.begin_object();
  for (const auto& m : c.members)
    if (m.row_id == row_id) {
      w.field("source", m.record.source);
      w.field("external_id", m.record.record.external_id);
    }
  w.end_object();
}

void append_customer_json(std::string& out, const CustomerRow& c) {
  JsonWriter w(out);
  w.begin_object();
  w.field("id", format_customer_id(c.id));
  // The oldest live member names the customer.
  std::string name;
  for (const auto& m : c.members)
    if (!m.record.record.deleted && !m.record.record.name.empty()) {
      name = m.record.record.name;
      break;
    }
  w.key("name").string_or_null(name);
  w.key("members").begin_array();
  for (const auto& m : c.members) {
    w.raw("");  // the separator; the record is appended straight to `out`
    append_record_json(out, m.record);
  }
  w.end_array();
  w.key("reasons").begin_array();
  for (const LinkReason& r : c.reasons) {
    w.raw("");
    JsonWriter rw(out);
    rw.begin_object();
    rw.field("rule", r.rule);
    rw.key("value").string_or_null(r.value);
    rw.key("a");
    append_ref(rw, c, r.a);
    rw.key("b");
    append_ref(rw, c, r.b);
    rw.end_object();
  }
  w.end_array();
  w.end_object();
}

Checked<CustomerQuery> read_filters(const QueryParams& p) {
  CustomerQuery q;
  if (auto v = p.get("q")) {
    if (v->size() > kMaxSearchBytes)
      return ApiError::bad_parameter("q", fmt::format("at most {} bytes", kMaxSearchBytes));
    q.text = *v;
  }
  if (auto e = p.read("source", q.source, parse_nonempty)) return *e;
  auto members = [](std::string_view name, std::string_view v) { return parse_int_in(name, v, 1, 1000000); };
  if (auto e = p.read("min_members", q.min_members, members)) return *e;
  auto page = read_page_params(p, kDefaultLimit, kMaxLimit);
  if (!page) return page.error();
  q.limit = page->limit;
  q.after_id = page->after;
  return q;
}

}  // namespace

ServerResponse handle_customers(ApiDeps& deps, const ServerRequest& req) {
  auto params = QueryParams::parse(req.query, {"q", "source", "min_members", "limit", "after"});
  if (!params) return error_response(params.error());
  auto filters = read_filters(*params);
  if (!filters) return error_response(filters.error());
  CustomerQuery q = std::move(*filters);
  int limit = q.limit;
  q.limit = limit + 1;
  auto rows = read_index(deps, [&](ApiQueries& index) { return index.customers(q); });
  if (!rows) return error_response(rows.error());
  bool more = trim_to_limit(*rows, limit);
  std::string body = "{\"items\":[";
  for (size_t i = 0; i < rows->size(); ++i) {
    if (i) body += ',';
    append_customer_json(body, (*rows)[i]);
  }
  body += "],\"next\":";
  if (more) append_json_string(body, encode_keyset_token(rows->back().id));
  else body += "null";
  body += '}';
  return ServerResponse::json(200, std::move(body));
}

ServerResponse handle_customer(ApiDeps& deps, const ServerRequest& req, const RouteMatch& route) {
  auto params = QueryParams::parse(req.query, {});
  if (!params) return error_response(params.error());
  auto id = parse_customer_id(route.customer_id);
  if (!id)
    return error_response({400, "invalid_path", "a customer id looks like c_42 (from a record's customer_id)"});
  auto found = read_index(deps, [&](ApiQueries& index) { return index.customer(*id); });
  if (!found) return error_response(found.error());
  if (!*found) return error_response(ApiError::not_found(fmt::format("no customer {}", format_customer_id(*id))));
  std::string body;
  append_customer_json(body, **found);
  return ServerResponse::json(200, std::move(body));
}

ServerResponse handle_suggestions(ApiDeps& deps, const ServerRequest& req) {
  auto params = QueryParams::parse(req.query, {"limit", "after"});
  if (!params) return error_response(params.error());
  int limit = kDefaultLimit;
  if (auto v = params->get("limit")) {
    auto n = parse_int_in("limit", *v, 1, kMaxLimit);
    if (!n) return error_response(n.error());
    limit = *n;
  }
  int64_t after_a = 0, after_b = 0;
  if (auto v = params->get("after")) {
    auto dot = v->find('.');
    std::optional<int64_t> a, b;
    if (dot != std::string::npos) {
      a = decode_keyset_token(v->substr(0, dot));
      b = decode_keyset_token(v->substr(dot + 1));
    }
    if (!a || !b)
      return error_response(ApiError::bad_parameter("after", "not a token from a previous page's \"next\""));
    after_a = *a;
    after_b = *b;
  }
  auto rows = read_index(deps, [&](ApiQueries& index) { return index.suggestions(after_a, after_b, limit + 1); });
  if (!rows) return error_response(rows.error());
  bool more = trim_to_limit(*rows, limit);
  std::string body = "{\"items\":[";
  for (size_t i = 0; i < rows->size(); ++i) {
    const SuggestionRow& s = (*rows)[i];
    if (i) body += ',';
    JsonWriter w(body);
    w.begin_object();
    w.field("rule", s.rule);
    w.key("value").string_or_null(s.value);
    w.field("created_at", format_iso8601(s.created));
    w.key("a").raw("");  // raw(""): the record is appended straight to `body`
    append_record_json(body, s.a.record);
    w.key("b").raw("");
    append_record_json(body, s.b.record);
    w.end_object();
  }
  body += "],\"next\":";
  if (more)
    append_json_string(body, encode_keyset_token(rows->back().a.row_id) + "." +
                                 encode_keyset_token(rows->back().b.row_id));
  else
    body += "null";
  body += '}';
  return ServerResponse::json(200, std::move(body));
}

}  // namespace crm
