// /v1/marks (platform.md "People act"): GET lists the marks in force; POST makes one
// (a write token's holder, kept as "by"); DELETE /v1/marks/{id} takes one back. The
// gate (api_server.cpp) has already checked the token and the method. The write itself
// goes through the MarkDesk: the daemon's one writer, which relinks at once.
#include <fmt/format.h>
#include <simdjson.h>

#include "api/api_errors.h"
#include "api/handlers.h"
#include "api/keyset_token.h"
#include "api/page_params.h"
#include "api/query_params.h"
#include "core/json_writer.h"
#include "core/text_codec.h"

namespace crm {
namespace {

constexpr size_t kMaxNoteBytes = 1000;

void append_mark(std::string& out, const MarkListing& m) {
  JsonWriter w(out);
  w.begin_object();
  w.field("id", m.id);
  w.field("op", m.op);
  w.field("a", m.a);
  w.field("b", m.b);
  w.field("note", m.note);
  w.field("by", m.by_user);
  w.field("at", format_iso8601(m.at));
  w.end_object();
}

ApiError bad_body(std::string message) { return ApiError{400, "invalid_body", std::move(message)}; }

ApiError from_desk(const Error& e) {
  if (e.kind == ErrorKind::not_found) return ApiError{404, "not_found", e.message};
  if (e.kind == ErrorKind::config) return bad_body(e.message);
  return ApiError::internal(e.message);
}

// {"op": "link"|"unlink", "a": "SOURCE:ID", "b": "SOURCE:ID", "note": "…"}
Checked<MarkRequest> read_mark(const ServerRequest& req) {
  std::string_view type = req.header("content-type");
  if (!type.empty() && !type.starts_with("application/json"))
    return ApiError{415, "unsupported_media_type", "send the mark as Content-Type: application/json"};
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(req.body).get(doc); err)
    return bad_body(fmt::format("the body is not JSON ({})", simdjson::error_message(err)));
  simdjson::dom::object obj;
  if (doc.get(obj) != simdjson::SUCCESS)
    return bad_body("the body must be a JSON object: {\"op\": \"link\", \"a\": \"SOURCE:ID\", \"b\": \"SOURCE:ID\"}");
  MarkRequest m;
  bool op = false;
  for (auto field : obj) {
    std::string_view key = field.key;
    std::string_view text;
    if (key != "op" && key != "a" && key != "b" && key != "note")
      return bad_body(fmt::format("unknown key \"{}\": a mark has op, a, b and note", key.substr(0, 64)));
    if (field.value.get(text) != simdjson::SUCCESS) return bad_body(fmt::format("\"{}\" must be a string", key));
    if (key == "op") {
      if (text != "link" && text != "unlink")
        return bad_body("\"op\" is \"link\" (one customer) or \"unlink\" (different customers)");
      m.op = text == "link" ? MarkOp::link : MarkOp::unlink;
      op = true;
    } else if (key == "note") {
      if (text.size() > kMaxNoteBytes) return bad_body(fmt::format("\"note\": at most {} bytes", kMaxNoteBytes));
      m.note = text;
    } else {
      auto ref = parse_record_ref(text.substr(0, 1024));
      if (!ref) return bad_body(fmt::format("\"{}\": {}", key, ref.error().message));
      (key == "a" ? m.a : m.b) = std::move(*ref);
    }
  }
  if (!op) return bad_body("\"op\" is missing: \"link\" or \"unlink\"");
  if (m.a.source.empty()) return bad_body("\"a\" is missing: \"SOURCE:EXTERNAL_ID\"");
  if (m.b.source.empty()) return bad_body("\"b\" is missing: \"SOURCE:EXTERNAL_ID\"");
  return m;
}

ServerResponse list_marks(ApiDeps& deps, const ServerRequest& req) {
  auto params = QueryParams::parse(req.query, {"limit", "after"});
  if (!params) return error_response(params.error());
  auto page = read_page_params(*params, kDefaultLimit, kMaxLimit);
  if (!page) return error_response(page.error());
  auto rows = read_index(deps, [&](ApiQueries& index) { return index.marks(page->after, page->limit + 1); });
  if (!rows) return error_response(rows.error());
  bool more = trim_to_limit(*rows, page->limit);
  std::string body = "{\"items\":[";
  for (size_t i = 0; i < rows->size(); ++i) {
    if (i) body += ',';
    append_mark(body, (*rows)[i]);
  }
  body += "],\"next\":";
  if (more) append_json_string(body, encode_keyset_token(rows->back().id));
  else body += "null";
  body += '}';
  return ServerResponse::json(200, std::move(body));
}

}  // namespace

ServerResponse handle_marks(ApiDeps& deps, const ServerRequest& req, const Caller& caller) {
  if (req.method != "POST") return list_marks(deps, req);
  if (auto p = QueryParams::parse(req.query, {}); !p) return error_response(p.error());
  if (deps.marks == nullptr) return error_response(ApiError::unavailable("marks cannot be written here"));
  auto mark = read_mark(req);
  if (!mark) return error_response(mark.error());
  mark->by_user = caller.writer;
  auto id = deps.marks->add(*mark);
  if (!id) return error_response(from_desk(id.error()));
  MarkListing made;
  made.id = *id;
  made.op = mark->op == MarkOp::link ? "link" : "unlink";
  made.a = mark->a.source + ":" + mark->a.external_id;
  made.b = mark->b.source + ":" + mark->b.external_id;
  made.note = mark->note;
  made.by_user = caller.writer;
  made.at = deps.clock.now();
  // The time the desk stored, which the listing shows: read back, as the feed has it.
  if (auto listed = read_index(deps, [&](ApiQueries& index) { return index.marks(*id - 1, 1); });
      listed && !listed->empty() && listed->front().id == *id)
    made = listed->front();
  std::string body;
  append_mark(body, made);
  auto r = ServerResponse::json(201, std::move(body));
  r.headers.emplace_back("Location", fmt::format("/v1/marks/{}", *id));
  return r;
}

ServerResponse handle_mark(ApiDeps& deps, const ServerRequest& req, const RouteMatch& route, const Caller& caller) {
  if (auto p = QueryParams::parse(req.query, {}); !p) return error_response(p.error());
  auto id = parse_int(route.mark_id);
  if (!id || *id <= 0)
    return error_response({400, "invalid_path", "a mark id is a number (the \"id\" of GET /v1/marks)"});
  if (deps.marks == nullptr) return error_response(ApiError::unavailable("marks cannot be written here"));
  if (auto st = deps.marks->remove(*id, caller.writer); !st) return error_response(from_desk(st.error()));
  ServerResponse r;
  r.status = 204;
  return r;
}

}  // namespace crm
