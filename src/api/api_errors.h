// ApiError: an error the read-only API answers with, as a value, and its JSON form
// {"error":{"code":"...","message":"..."}} (design.md "The read-only HTTP API").
// Client mistakes are 4xx with a code a program can act on; 5xx only for our own faults
// (an index that cannot be read). Messages never hold a secret. Value types; pure.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_server.h"
#include "core/result.h"

namespace crm {

struct ApiError {
  int status = 400;
  std::string code;  // invalid_parameter, unknown_parameter, not_found, unauthorized, …
  std::string message;

  // 400 invalid_parameter: "limit: must be between 1 and 1000".
  static ApiError bad_parameter(std::string_view name, std::string_view why);
  // 400 unknown_parameter, with a "did you mean" from the accepted names.
  static ApiError unknown_parameter(std::string_view name, const std::vector<std::string>& accepted);
  static ApiError not_found(std::string message);
  static ApiError unavailable(std::string message);  // 503: the index cannot be read now
  static ApiError internal(std::string message);     // 500
};

ServerResponse error_response(const ApiError& e);

// A value or the ApiError to answer instead.
template <class T>
using Checked = Result<T, ApiError>;

}  // namespace crm
