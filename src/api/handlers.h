// The route handlers of the read-only API and what they share. ApiServer (api_server.cpp)
// checks the token, the route and the method, then calls one of these; each reads its
// own query parameters strictly (query_params.h) and answers JSON (or an ApiError).
// Handlers run on the HTTP server's pool threads, concurrently: they touch shared state
// only through the thread-safe members of ApiDeps.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <type_traits>
#include <utility>

#include "api/api_errors.h"
#include "api/api_server.h"
#include "api/mark_desk.h"
#include "api/change_waiters.h"
#include "api/http_server.h"
#include "api/reader_pool.h"
#include "api/router.h"
#include "core/metrics.h"
#include "core/time.h"
#include "store/change_notifier.h"
#include "live/live_reads.h"
#include "outputs/outputs.h"
#include "sync/source_runtime.h"

namespace crm {

struct ApiDeps {
  ReaderPool& readers;
  const SchedulerView& scheduler;
  ChangeNotifier& notifier;
  ChangeWaiters& waiters;
  Metrics& metrics;
  const Clock& clock;
  const Outputs* outputs;  // null: no outputs (tests)
  LiveReads* live;         // null: no live reads (tests)
  MarkDesk* marks;         // null: marks cannot be written (tests)
  // Sources that /metrics set gauges for at the last scrape (to forget removed ones).
  std::mutex gauged_mu;
  std::set<std::string> gauged;
  // Replaced whole by ApiServer::set_policy; a request keeps the one it started with.
  mutable std::mutex policy_mu;
  std::shared_ptr<const ApiPolicy> policy_ptr = std::make_shared<const ApiPolicy>();

  std::shared_ptr<const ApiPolicy> policy() const {
    std::lock_guard lock(policy_mu);
    return policy_ptr;
  }
};

// Who sent the request, as its bearer token says: the write token's name, or "" for a
// reader.
struct Caller {
  std::string writer;
};

// Runs `query` (ApiQueries& → Result<T>) on a pooled read connection: its value, or the
// ApiError to answer: 503 when no connection is free, 500 when the query failed (that
// connection, which may be broken, is dropped instead of going back to the pool).
template <class Query>
auto read_index(ApiDeps& deps, Query&& query)
    -> Checked<std::decay_t<decltype(*query(std::declval<ApiQueries&>()))>> {
  auto reader = deps.readers.acquire();
  if (!reader) return ApiError::unavailable(reader.error().message);
  auto result = query(**reader);
  if (!result) {
    reader->discard();
    return ApiError::internal(result.error().message);
  }
  return std::move(*result);
}

// Applied to every answer before it leaves (metrics, ETag and 304). A deferred answer's
// producer applies it itself, when the answer is finally built.
using Finish = std::function<ServerResponse(ServerResponse)>;

ServerResponse handle_sources(ApiDeps& deps, const ServerRequest& req);
ServerResponse handle_records(ApiDeps& deps, const ServerRequest& req);
ServerResponse handle_record(ApiDeps& deps, const ServerRequest& req, const RouteMatch& route);
ServerResponse handle_changes(ApiDeps& deps, const ServerRequest& req, const Finish& finish);
ServerResponse handle_metrics(ApiDeps& deps, const ServerRequest& req);
ServerResponse handle_customers(ApiDeps& deps, const ServerRequest& req);
ServerResponse handle_customer(ApiDeps& deps, const ServerRequest& req, const RouteMatch& route);
ServerResponse handle_suggestions(ApiDeps& deps, const ServerRequest& req);
ServerResponse handle_outputs(ApiDeps& deps, const ServerRequest& req);
ServerResponse handle_source_runs(ApiDeps& deps, const ServerRequest& req, const RouteMatch& route);
ServerResponse handle_marks(ApiDeps& deps, const ServerRequest& req, const Caller& caller);
ServerResponse handle_mark(ApiDeps& deps, const ServerRequest& req, const RouteMatch& route, const Caller& caller);
ServerResponse handle_live(ApiDeps& deps, const ServerRequest& req, const RouteMatch& route, const Finish& finish);

// The limits the handlers share.
inline constexpr int kDefaultLimit = 100;
inline constexpr int kMaxLimit = 1000;
inline constexpr Millis kMaxWait = std::chrono::seconds(60);
// Retry-After of the 503 when every long-poll slot is taken.
inline constexpr std::chrono::seconds kLongPollRetryAfter{5};

}  // namespace crm
