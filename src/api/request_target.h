// The limits on a request target (path and query string as the client sent them) that
// HttpServer checks before libmicrohttpd splits the query: a target longer than
// `max_bytes` is a 414, one with more than `max_params` query parameters a 400, both
// answered at once. The second limit also keeps libmicrohttpd 0.9.75 working: it stores
// every parameter in the connection's fixed memory pool, and when the pool runs out it
// neither answers nor closes the connection (http_server.cpp, on_request_line).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace crm {

struct TargetProblem {
  int status = 400;
  std::string code;  // uri_too_long | too_many_parameters
  std::string message;
};

// How many parameters libmicrohttpd will make of `target`'s query string: one per `&`
// plus one (an empty query has none).
size_t count_query_params(std::string_view target);

std::optional<TargetProblem> check_request_target(std::string_view target, size_t max_bytes, size_t max_params);

}  // namespace crm
