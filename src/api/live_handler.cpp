// GET /v1/records/{source}/{external_id}/live (platform.md "Live reads"): the record
// asked of its own CRM now, through LiveReads. The answer waits (holding no server
// thread) until the CRM has answered, then shows the record as the index has it after
// any repair, the allow-listed CRM fields, when they were fetched and whether the fetch
// changed the index.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "api/api_errors.h"
#include "api/handlers.h"
#include "api/query_params.h"
#include "core/json_writer.h"
#include "store/record_json.h"

namespace crm {
namespace {

ServerResponse with_retry_after(ServerResponse r, std::optional<double> seconds) {
  double s = std::clamp(seconds.value_or(1.0), 1.0, 3600.0);
  r.headers.emplace_back("Retry-After", std::to_string(static_cast<long>(std::ceil(s))));
  return r;
}

ServerResponse failure_response(const LiveResult& r, const std::string& source) {
  switch (r.status) {
    case LiveStatus::ok: break;
    case LiveStatus::not_enabled:
      return error_response(ApiError{404, "live_not_enabled", fmt::format("source '{}' has no live: block", source)});
    case LiveStatus::busy:
      return with_retry_after(error_response(ApiError{503, "live_busy", r.message}), r.retry_after_s);
    case LiveStatus::rate_limited:
      return with_retry_after(
          error_response(ApiError{503, "crm_rate_limited", fmt::format("the CRM of source '{}' is rate limiting: {}", source,
                                                               r.message)}),
          r.retry_after_s);
    case LiveStatus::unavailable:
      return error_response(ApiError{502, "crm_unavailable", fmt::format("the CRM of source '{}' did not answer: {}", source,
                                                                 r.message)});
    case LiveStatus::crm_error:
      return error_response(ApiError{502, "crm_error", fmt::format("the CRM of source '{}' failed the read: {}", source,
                                                           r.message)});
    case LiveStatus::stopping:
      return with_retry_after(error_response(ApiError{503, "shutting_down", "crm-index is stopping"}), 5.0);
  }
  return error_response(ApiError::internal("live read: no answer"));
}

// Built on a server thread once the CRM answered: the index row is read again, so that
// it shows a repair (and the customer it now belongs to).
ServerResponse live_answer(ApiDeps& deps, const LiveResult& r, const std::string& source,
                           const std::string& external_id) {
  if (r.status != LiveStatus::ok) return failure_response(r, source);
  auto found = read_index(deps, [&](ApiQueries& index) { return index.record(source, external_id); });
  if (!found) return error_response(found.error());
  if (!*found)
    return error_response(ApiError::not_found(fmt::format("no record '{}' in source '{}'", external_id, source)));
  std::string body;
  body.reserve(1024 + r.crm.size());
  body += "{\"record\":";
  append_record_json(body, **found);
  body += ",\"crm\":";
  body += r.gone ? std::string_view("null") : std::string_view(r.crm);
  body += ",\"fetched_at\":";
  append_json_string(body, format_iso8601(r.fetched_at));
  body += ",\"repaired\":";
  body += r.repaired ? "true" : "false";
  body += '}';
  return ServerResponse::json(200, std::move(body));
}

bool source_known(ApiDeps& deps, const std::string& source) {
  for (const auto& s : deps.scheduler.snapshot())
    if (s.name == source) return true;
  return false;
}

}  // namespace

ServerResponse handle_live(ApiDeps& deps, const ServerRequest& req, const RouteMatch& route, const Finish& finish) {
  auto params = QueryParams::parse(req.query, {});
  if (!params) return finish(error_response(params.error()));
  if (!valid_text(route.source) || !valid_text(route.external_id))
    return finish(error_response(ApiError{400, "invalid_path", "the path is not valid UTF-8"}));
  if (deps.live == nullptr || !deps.live->enabled(route.source)) {
    if (!source_known(deps, route.source))
      return finish(error_response(ApiError::not_found(fmt::format("no source '{}'", route.source))));
    LiveResult off;
    off.status = LiveStatus::not_enabled;
    return finish(failure_response(off, route.source));
  }
  auto found = read_index(deps, [&](ApiQueries& index) { return index.record(route.source, route.external_id); });
  if (!found) return finish(error_response(found.error()));
  if (!*found)
    return finish(error_response(
        ApiError::not_found(fmt::format("no record '{}' in source '{}'", route.external_id, route.source))));

  auto deferred = std::make_shared<DeferredResponse>();
  // `deps` outlives the server; the daemon stops LiveReads before the server.
  deps.live->read(route.source, route.external_id, (*found)->record.kind,
                  [&deps, deferred, finish, source = route.source, id = route.external_id](const LiveResult& r) {
                    deferred->complete_with([&deps, r, finish, source, id] {
                      return finish(live_answer(deps, r, source, id));
                    });
                  });
  return ServerResponse::later(std::move(deferred));
}

}  // namespace crm
