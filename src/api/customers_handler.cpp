// GET /v1/customers (filters q, source, min_members, max_members; sort id, name or
// -changed; keyset pagination; the first page also counts every match: total and
// facets), GET /v1/customers/{id} and GET /v1/suggestions (design.md "API contract").
// Every customer carries its summary (link/customer_summary.h).
#include <fmt/format.h>

#include "api/api_errors.h"
#include "api/handlers.h"
#include "api/keyset_token.h"
#include "api/page_params.h"
#include "api/query_params.h"
#include "core/json_writer.h"
#include "core/text_codec.h"
#include "link/customer_summary.h"
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

void append_refs(JsonWriter& w, const CustomerRow& c, const std::vector<int64_t>& rows) {
  w.key("from").begin_array();
  for (int64_t row : rows) append_ref(w, c, row);
  w.end_array();
}

void append_values(JsonWriter& w, std::string_view key, const CustomerRow& c, const std::vector<SummaryValue>& values) {
  w.key(key).begin_array();
  for (const auto& v : values) {
    w.begin_object();
    w.field("value", v.value);
    append_refs(w, c, v.from);
    w.end_object();
  }
  w.end_array();
}

void append_summary(JsonWriter& w, const CustomerRow& c, const CustomerSummary& s) {
  w.key("summary").begin_object();
  w.key("name");
  if (s.name) {
    w.begin_object();
    w.field("value", s.name->value);
    append_refs(w, c, s.name->from);
    w.end_object();
  } else {
    w.null();
  }
  append_values(w, "emails", c, s.emails);
  append_values(w, "phones", c, s.phones);
  append_values(w, "companies", c, s.companies);
  w.key("updated_at");
  if (s.updated_at) {
    w.begin_object();
    w.field("value", format_iso8601(*s.updated_at));
    append_refs(w, c, s.updated_from);
    w.end_object();
  } else {
    w.null();
  }
  w.end_object();
}

void append_customer_json(std::string& out, const CustomerRow& c, const std::vector<std::string>& name_priority) {
  const CustomerSummary summary = summarize_customer(c, name_priority);
  JsonWriter w(out);
  w.begin_object();
  w.field("id", format_customer_id(c.id));
  w.key("name").string_or_null(summary.name ? summary.name->value : "");
  TimePoint changed{};
  for (const auto& m : c.members) changed = std::max(changed, m.record.changed_at);
  w.field("changed_at", format_iso8601(changed));
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
  append_summary(w, c, summary);
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
  if (auto e = p.read("max_members", q.max_members, members)) return *e;
  if (q.max_members > 0 && q.max_members < q.min_members)
    return ApiError::bad_parameter("max_members", "must not be below min_members");
  if (auto v = p.get("sort")) {
    if (*v == "id") q.sort = CustomerSort::id;
    else if (*v == "name") q.sort = CustomerSort::name;
    else if (*v == "-changed") q.sort = CustomerSort::changed;
    else return ApiError::bad_parameter("sort", "id, name or -changed (the latest change first)");
  }
  auto limit = [](std::string_view name, std::string_view v) { return parse_int_in(name, v, 1, kMaxLimit); };
  q.limit = kDefaultLimit;
  if (auto e = p.read("limit", q.limit, limit)) return *e;
  if (auto v = p.get("after")) {
    // id: the keyset token; name and -changed: "<id token>.n<name>" / "<id token>.c<time token>".
    const std::string_view t = *v;
    const size_t dot = t.find('.');
    const char want = q.sort == CustomerSort::name ? 'n' : q.sort == CustomerSort::changed ? 'c' : 0;
    std::optional<int64_t> id = decode_keyset_token(t.substr(0, dot));
    bool ok = id.has_value() && (want == 0 ? dot == std::string_view::npos
                                           : dot != std::string_view::npos && t.size() > dot + 1 && t[dot + 1] == want);
    if (ok && want == 'n') {
      auto name = unbase64url(t.substr(dot + 2));
      ok = name.has_value();
      if (ok) q.after_name = std::move(*name);
    } else if (ok && want == 'c') {
      auto at = decode_keyset_token(t.substr(dot + 2));
      ok = at.has_value();
      if (ok) q.after_changed_ms = *at;
    }
    if (!ok) return ApiError::bad_parameter("after", "not a token from a previous page's \"next\" with this sort");
    q.after_id = *id;
  }
  return q;
}

std::string next_token(const CustomerQuery& q, const CustomerRow& last) {
  std::string t = encode_keyset_token(last.id);
  if (q.sort == CustomerSort::name) t += ".n" + base64url(last.sort_name);
  if (q.sort == CustomerSort::changed) t += ".c" + encode_keyset_token(last.sort_changed_ms);
  return t;
}

void append_counts(std::string& body, const CustomerCounts& counts) {
  JsonWriter w(body);
  w.begin_object();
  w.key("source").begin_array();
  for (const auto& [name, n] : counts.by_source) {
    w.begin_object();
    w.field("value", name);
    w.field("count", n);
    w.end_object();
  }
  w.end_array();
  w.key("members").begin_array();
  for (const auto& [members, n] : counts.by_members) {
    w.begin_object();
    w.field("value", static_cast<int64_t>(members));
    w.field("count", n);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

}  // namespace

ServerResponse handle_customers(ApiDeps& deps, const ServerRequest& req) {
  auto params =
      QueryParams::parse(req.query, {"q", "source", "min_members", "max_members", "sort", "limit", "after"});
  if (!params) return error_response(params.error());
  auto filters = read_filters(*params);
  if (!filters) return error_response(filters.error());
  CustomerQuery q = std::move(*filters);
  auto policy = deps.policy();
  q.name_priority = policy->name_priority;
  int limit = q.limit;
  q.limit = limit + 1;
  auto rows = read_index(deps, [&](ApiQueries& index) { return index.customers(q); });
  if (!rows) return error_response(rows.error());
  bool more = trim_to_limit(*rows, limit);
  // Counting every match costs a pass over them: done for the first page only, which
  // is what a page shows its count and facets from.
  std::optional<CustomerCounts> counts;
  if (q.after_id == 0) {
    auto c = read_index(deps, [&](ApiQueries& index) { return index.customer_counts(q); });
    if (!c) return error_response(c.error());
    counts = std::move(*c);
  }
  std::string body = "{\"items\":[";
  for (size_t i = 0; i < rows->size(); ++i) {
    if (i) body += ',';
    append_customer_json(body, (*rows)[i], policy->name_priority);
  }
  body += "],\"next\":";
  if (more) append_json_string(body, next_token(q, rows->back()));
  else body += "null";
  body += ",\"total\":";
  body += counts ? std::to_string(counts->total) : "null";
  body += ",\"facets\":";
  if (counts) append_counts(body, *counts);
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
  append_customer_json(body, **found, deps.policy()->name_priority);
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
