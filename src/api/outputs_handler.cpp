// GET /v1/outputs (platform.md "Events out"): each configured output with its position in
// the change feed, its lag behind the feed's head, its last error and its dead letters.
#include "api/api_errors.h"
#include "api/handlers.h"
#include "api/query_params.h"
#include "core/json_writer.h"

namespace crm {

ServerResponse handle_outputs(ApiDeps& deps, const ServerRequest& req) {
  auto p = QueryParams::parse(req.query, {});
  if (!p) return error_response(p.error());
  const int64_t head = deps.notifier.last_seq();
  std::string body;
  JsonWriter w(body);
  w.begin_object();
  w.key("items");
  w.begin_array();
  if (deps.outputs)
    for (const OutputStatus& o : deps.outputs->status()) {
      w.begin_object();
      w.field("name", o.name);
      w.field("type", o.type);
      w.field("position", o.position);
      w.field("lag", std::max<int64_t>(0, head - o.position));
      w.key("last_error").string_or_null(o.last_error);
      w.field("dead_letters", o.dead_letters);
      w.field("delivered", o.delivered);
      w.end_object();
    }
  w.end_array();
  w.field("last_seq", head);
  w.end_object();
  return ServerResponse::json(200, std::move(body));
}

}  // namespace crm
