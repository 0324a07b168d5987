// GET /v1/changes?after=SEQ&limit=N&wait=30s: the change feed, optionally long-polled.
// With wait, an empty answer is held (the connection suspended, no thread held) until
// the writer commits a change or the wait ends (change_waiters.h).
#include <fmt/format.h>

#include "api/api_errors.h"
#include "api/handlers.h"
#include "api/query_params.h"
#include "store/change_json.h"

namespace crm {
namespace {

struct ChangesRequest {
  int64_t after = 0;
  int limit = kDefaultLimit;
  Millis wait{0};
};

Checked<ChangesRequest> read_params(const ServerRequest& req) {
  auto p = QueryParams::parse(req.query, {"after", "limit", "wait"});
  if (!p) return p.error();
  ChangesRequest r;
  if (auto v = p->get("after")) {
    auto n = parse_seq("after", *v);
    if (!n) return n.error();
    r.after = *n;
  }
  if (auto v = p->get("limit")) {
    auto n = parse_int_in("limit", *v, 1, kMaxLimit);
    if (!n) return n.error();
    r.limit = *n;
  }
  if (auto v = p->get("wait")) {
    auto d = parse_wait("wait", *v, kMaxWait);
    if (!d) return d.error();
    r.wait = *d;
  }
  return r;
}

std::string changes_json(const ChangePage& page) {
  std::string body;
  body.reserve(page.items.size() * 600 + 64);
  body += "{\"items\":[";
  for (size_t i = 0; i < page.items.size(); ++i) {
    if (i) body += ',';
    append_change_json(body, page.items[i]);
  }
  body += "],\"last_seq\":";
  body += std::to_string(page.last_seq);
  body += '}';
  return body;
}

// A client told to come back: every long-poll slot is taken (ApiLimits::max_long_polls).
ServerResponse too_many_long_polls(size_t parked) {
  auto r = error_response({503, "too_many_long_polls",
                           fmt::format("{} long-polls are waiting already: retry later, or poll without wait", parked)});
  r.headers.emplace_back("Retry-After", std::to_string(kLongPollRetryAfter.count()));
  return r;
}

// One attempt at answering: the feed after `r.after`, or, when it is empty and the wait
// is not over, a deferred answer parked until a change or the deadline. `waited`: the
// request was parked before (a change it did not need woke it).
ServerResponse attempt(ApiDeps& deps, const ChangesRequest& r, ChangeWaiters::SteadyTime deadline,
                       const Finish& finish, bool final, bool waited) {
  // Read before the query: a change committed after it makes the waiters look again.
  int64_t seen = deps.notifier.last_seq();
  auto page = read_index(deps, [&](ApiQueries& index) { return index.changes(r.after, r.limit); });
  if (!page) return finish(error_response(page.error()));
  if (page->items.empty() && !final && std::chrono::steady_clock::now() < deadline) {
    auto d = std::make_shared<DeferredResponse>();
    // The producer runs later on a server thread; `deps` outlives the server.
    bool parked = deps.waiters.park(d, std::max(seen, page->last_seq), deadline, [&deps, r, deadline, finish](bool last) {
      return attempt(deps, r, deadline, finish, last, true);
    });
    if (parked) return ServerResponse::later(std::move(d));
    // Full. A request that waited already gets its (empty) answer, a new one a 503.
    if (!waited) return finish(too_many_long_polls(deps.waiters.parked()));
  }
  return finish(ServerResponse::json(200, changes_json(*page)));
}

}  // namespace

ServerResponse handle_changes(ApiDeps& deps, const ServerRequest& req, const Finish& finish) {
  auto r = read_params(req);
  if (!r) return finish(error_response(r.error()));
  auto deadline = std::chrono::steady_clock::now() + r->wait;
  return attempt(deps, *r, deadline, finish, r->wait.count() == 0, false);
}

}  // namespace crm
