#include "api/request_target.h"

#include <fmt/format.h>

#include <algorithm>

namespace crm {

size_t count_query_params(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos || q + 1 == target.size()) return 0;
  std::string_view query = target.substr(q + 1);
  return 1 + static_cast<size_t>(std::count(query.begin(), query.end(), '&'));
}

std::optional<TargetProblem> check_request_target(std::string_view target, size_t max_bytes, size_t max_params) {
  if (max_bytes != 0 && target.size() > max_bytes)
    return TargetProblem{414, "uri_too_long",
                         fmt::format("the request target is longer than {} bytes", max_bytes)};
  if (max_params != 0 && count_query_params(target) > max_params)
    return TargetProblem{400, "too_many_parameters",
                         fmt::format("more than {} query parameters", max_params)};
  return std::nullopt;
}

}  // namespace crm
