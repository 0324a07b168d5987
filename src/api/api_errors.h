// ApiError: an error the read-only API answers with, as a value, and its JSON form
// {"error":{"code":"...","message":"..."}} (design.md "The read-only HTTP API").
// Client mistakes are 4xx with a code a program can act on; 5xx only for our own faults
// (an index that cannot be read). Messages never hold a secret. Value types; pure.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "api/http_server.h"

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

// A value or the ApiError explaining why there is none.
template <class T>
class [[nodiscard]] Checked {
 public:
  Checked(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Checked(ApiError error) : v_(std::move(error)) {}  // NOLINT

  explicit operator bool() const { return v_.index() == 0; }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const ApiError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

}  // namespace crm
