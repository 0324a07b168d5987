// ApiServer: the API on HttpServer, read-only but for marks. Every request passes the
// same gate, in this order: token (all routes but the page, /healthz and /readyz; a
// write token reads too) → route (404) → method (405) → a write token for a write (403)
// → the route's handler (handlers.h), and every answer leaves through finish(): request metrics,
// ETag and If-None-Match (304). HEAD is GET without the body (libmicrohttpd sends the
// headers, Content-Length included, and drops the body).
#include "api/api_server.h"

#include <fmt/format.h>

#include <atomic>

#include "api/api_errors.h"
#include "api/bearer_auth.h"
#include "api/change_waiters.h"
#include "api/etag.h"
#include "api/handlers.h"
#include "api/http_server.h"
#include "api/query_params.h"
#include "api/reader_pool.h"
#include "api/router.h"
#include "api/web_handler.h"

namespace crm {
namespace {

bool is_get_or_head(std::string_view method) { return method == "GET" || method == "HEAD"; }

ServerResponse simple_json(int status, std::string_view body) {
  return ServerResponse::json(status, std::string(body));
}

}  // namespace

struct ApiServer::Impl {
  ApiOptions options;
  ReaderPool readers;
  ChangeWaiters waiters;
  ApiDeps deps;
  std::atomic<bool> ready{false};
  std::unique_ptr<HttpServer> http;  // last: stopped and destroyed before the rest

  Impl(ApiOptions o, std::string db_path, const SchedulerView& scheduler, ChangeNotifier& changes,
       Metrics& metrics, const Clock& clock, const Outputs* outputs, LiveReads* live, MarkDesk* marks)
      : options(std::move(o)),
        readers(std::move(db_path)),
        waiters(changes, options.limits.max_long_polls),
        deps{readers, scheduler, changes, waiters, metrics, clock, outputs, live, marks, {}, {}, {}, {}, {}, std::make_shared<const ApiPolicy>()} {}

  ServerResponse handle(const ServerRequest& req) {
    auto started = std::chrono::steady_clock::now();
    RouteMatch route = match_route(req.path);
    Finish finish = [this, pattern = route.pattern, started,
                     inm = std::string(req.header("if-none-match"))](ServerResponse r) {
      return finalize(std::move(r), pattern, started, inm);
    };
    // The page's files are public: they hold no data, and the page asks for the token
    // before it calls /v1 (web_handler.h). /healthz and /readyz say only "ok" or "not
    // yet", which a load balancer or systemd probe must see without a secret.
    const bool open = route.route == Route::healthz || route.route == Route::readyz || route.route == Route::web;
    const bool writes = (route.route == Route::marks && req.method == "POST") ||
                        (route.route == Route::mark && req.method == "DELETE");
    const std::string_view authorization = req.header("authorization");
    auto policy = deps.policy();
    Caller caller;
    // Every write token is compared, whichever matches, so that the time taken does not
    // tell which one a guess came close to.
    for (const auto& w : policy->write_tokens)
      if (bearer_token_matches(authorization, w.token.reveal()) && caller.writer.empty()) caller.writer = w.name;
    const bool reader = options.token.empty() || bearer_token_matches(authorization, options.token);
    if (!open && caller.writer.empty() && !reader && !(writes && authorization.empty())) {
      auto r = error_response({401, "unauthorized", "this API needs \"Authorization: Bearer <token>\""});
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"crm-index\"");
      return finish(std::move(r));
    }
    if (route.route == Route::unknown)
      return finish(error_response(ApiError::not_found(fmt::format("no route {}", req.path))));
    const std::string_view allow = route.route == Route::marks ? "GET, HEAD, POST"
                                   : route.route == Route::mark ? "DELETE"
                                                                : "GET, HEAD";
    const bool allowed = route.route == Route::mark ? req.method == "DELETE"
                                                    : is_get_or_head(req.method) || writes;
    if (!allowed) {
      auto r = error_response({405, "method_not_allowed",
                               route.route == Route::marks || route.route == Route::mark
                                   ? fmt::format("{} takes {}", route.pattern, allow)
                                   : std::string("this route is read-only: GET or HEAD (only /v1/marks takes writes)")});
      r.headers.emplace_back("Allow", std::string(allow));
      return finish(std::move(r));
    }
    if (writes && caller.writer.empty())
      return finish(error_response(
          {403, "forbidden",
           policy->write_tokens.empty()
               ? "marks are made with a write token, and this index has none (api.write_tokens in the config)"
               : "marks are made with a write token (api.write_tokens): a read token cannot make or take back one"}));
    if (route.route == Route::marks) return finish(handle_marks(deps, req, caller));
    if (route.route == Route::mark) return finish(handle_mark(deps, req, route, caller));
    if (route.route == Route::changes) return handle_changes(deps, req, finish);
    if (route.route == Route::record_live) return handle_live(deps, req, route, finish);
    return finish(dispatch(req, route));
  }

  ServerResponse dispatch(const ServerRequest& req, const RouteMatch& route) {
    switch (route.route) {
      case Route::healthz: {
        auto p = QueryParams::parse(req.query, {});
        return p ? simple_json(200, R"({"status":"ok"})") : error_response(p.error());
      }
      case Route::readyz: {
        auto p = QueryParams::parse(req.query, {});
        if (!p) return error_response(p.error());
        if (ready.load()) return simple_json(200, R"({"status":"ready"})");
        return error_response({503, "not_ready", "starting: migrations or the scheduler are not up yet"});
      }
      case Route::metrics: return handle_metrics(deps, req);
      case Route::sources: return handle_sources(deps, req);
      case Route::records: return handle_records(deps, req);
      case Route::record: return handle_record(deps, req, route);
      case Route::customers: return handle_customers(deps, req);
      case Route::customer: return handle_customer(deps, req, route);
      case Route::suggestions: return handle_suggestions(deps, req);
      case Route::outputs: return handle_outputs(deps, req);
      case Route::source_runs: return handle_source_runs(deps, req, route);
      case Route::web: return handle_web(req, route);
      case Route::changes:
      case Route::record_live:
      case Route::marks:
      case Route::mark:
      case Route::unknown: break;
    }
    return error_response(ApiError::not_found("no such route"));
  }

  // Every answer: a weak ETag on the /v1 JSON answers (304 when the client has it),
  // then the request is counted under its route pattern.
  ServerResponse finalize(ServerResponse r, std::string_view pattern,
                          std::chrono::steady_clock::time_point started, const std::string& if_none_match) {
    if (r.status == 200 && !r.deferred && pattern.starts_with("/v1/")) {
      std::string tag = etag_for(r.body);
      if (!if_none_match.empty() && etag_matches(if_none_match, tag)) {
        ServerResponse nm;
        nm.status = 304;
        nm.headers.emplace_back("ETag", tag);
        r = std::move(nm);
      } else {
        r.headers.emplace_back("ETag", tag);
      }
    }
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    Metrics::Labels by_route{{"route", std::string(pattern)}};
    deps.metrics.histogram_observe("crm_index_api_request_duration_seconds", by_route, seconds);
    by_route.emplace_back("status", std::to_string(r.status));
    deps.metrics.counter_add("crm_index_api_requests_total", by_route);
    return r;
  }
};

ApiServer::ApiServer(ApiOptions options, std::string db_path, const SchedulerView& scheduler,
                     ChangeNotifier& changes, Metrics& metrics, const Clock& clock, const Outputs* outputs,
                     LiveReads* live, MarkDesk* marks)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(db_path), scheduler, changes,
                                   metrics, clock, outputs, live, marks)) {}

ApiServer::~ApiServer() { stop(); }

Status ApiServer::start() {
  if (impl_->http) return Error::internal("api: already started");
  auto listen = split_listen_address(impl_->options.listen);
  if (!listen)
    return Error::config(fmt::format("api.listen '{}': {}", impl_->options.listen, listen.error().message));
  HttpServerOptions o;
  o.host = listen->first;
  o.port = listen->second;
  const ApiLimits& limits = impl_->options.limits;
  o.threads = std::max(1u, impl_->options.threads);
  o.connection_limit = limits.max_connections;
  o.per_client_limit = limits.max_connections_per_client;
  o.header_timeout = limits.header_timeout;
  o.idle_timeout = limits.idle_timeout;
  o.max_body_bytes = 16 * 1024;  // a mark (POST /v1/marks) is the only body taken
  // The longest target a route needs is a few hundred bytes (q is capped at 256), and
  // no route takes more than eight parameters.
  o.max_target_bytes = 8 * 1024;
  o.max_query_params = 32;
  Impl* impl = impl_.get();
  auto http = std::make_unique<HttpServer>(o, [impl](const ServerRequest& req) { return impl->handle(req); });
  if (auto st = http->start(); !st) return st.error();
  impl_->http = std::move(http);
  return {};
}

void ApiServer::stop() {
  if (!impl_) return;
  // Parked long-polls get their (empty) answer first; HttpServer then answers anything
  // still waiting with 503 and closes the connections.
  impl_->waiters.stop();
  if (impl_->http) {
    impl_->http->stop();
    impl_->http.reset();
  }
}

uint16_t ApiServer::port() const { return impl_->http ? impl_->http->port() : 0; }

void ApiServer::set_ready(bool ready) { impl_->ready.store(ready); }

void ApiServer::set_policy(ApiPolicy policy) {
  auto next = std::make_shared<const ApiPolicy>(std::move(policy));
  std::lock_guard lock(impl_->deps.policy_mu);
  impl_->deps.policy_ptr = std::move(next);
}

size_t ApiServer::waiting_requests() const { return impl_->http ? impl_->http->waiting() : 0; }

}  // namespace crm
