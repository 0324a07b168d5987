#include "api/api_errors.h"

#include <fmt/format.h>

#include "config/did_you_mean.h"
#include "core/json_writer.h"

namespace crm {

ApiError ApiError::bad_parameter(std::string_view name, std::string_view why) {
  return {400, "invalid_parameter", fmt::format("{}: {}", name, why)};
}

ApiError ApiError::unknown_parameter(std::string_view name, const std::vector<std::string>& accepted) {
  std::string msg = fmt::format("unknown query parameter '{}'{}", name, did_you_mean(name, accepted));
  msg += accepted.empty() ? "; this route takes none"
                          : fmt::format("; this route takes {}", join_names(accepted));
  return {400, "unknown_parameter", std::move(msg)};
}

ApiError ApiError::not_found(std::string message) { return {404, "not_found", std::move(message)}; }

ApiError ApiError::unavailable(std::string message) {
  return {503, "unavailable", std::move(message)};
}

ApiError ApiError::internal(std::string message) { return {500, "internal", std::move(message)}; }

ServerResponse error_response(const ApiError& e) {
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("error").begin_object();
  w.field("code", e.code);
  w.field("message", e.message);
  w.end_object().end_object();
  return ServerResponse::json(e.status, std::move(body));
}

}  // namespace crm
