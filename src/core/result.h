// Result<T> and Error: errors as values across module boundaries.
//
// An Error's kind tells the caller what to do: transient → back off and retry later;
// auth / config → stop the source and say why; data → skip the record and count it;
// skipped → the run was not started on purpose (a quota reserve): not a failure.
// GCC 12 offers std::expected only under -std=c++2b; Result has the same shape so it
// can be swapped for it later. Value types; thread-compatible.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace crm {

// interrupted: this process is stopping (a signal, the scheduler's stop); nothing the CRM
// did, and not to be retried by whoever sees it.
enum class ErrorKind { transient, auth, config, data, not_found, internal, skipped, interrupted };

const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
  int http_status = 0;              // the CRM's HTTP status when there was one
  std::optional<double> retry_after_s;  // what the CRM asked for, if anything

  static Error transient(std::string m) { return make(ErrorKind::transient, std::move(m)); }
  static Error auth(std::string m) { return make(ErrorKind::auth, std::move(m)); }
  static Error config(std::string m) { return make(ErrorKind::config, std::move(m)); }
  static Error data(std::string m) { return make(ErrorKind::data, std::move(m)); }
  static Error not_found(std::string m) { return make(ErrorKind::not_found, std::move(m)); }
  static Error internal(std::string m) { return make(ErrorKind::internal, std::move(m)); }
  static Error skipped(std::string m) { return make(ErrorKind::skipped, std::move(m)); }
  static Error interrupted(std::string m) { return make(ErrorKind::interrupted, std::move(m)); }

  static Error make(ErrorKind k, std::string m) {
    Error e;
    e.kind = k;
    e.message = std::move(m);
    return e;
  }

  bool retryable() const { return kind == ErrorKind::transient; }
};

// A value or the error explaining why there is none. E is Error everywhere but at the
// API's edge, where it is the answer to send (api/api_errors.h Checked).
template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : v_(std::move(error)) {}  // NOLINT

  explicit operator bool() const { return v_.index() == 0; }
  bool ok() const { return v_.index() == 0; }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  T&& operator*() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const E& error() const { return std::get<1>(v_); }
  E& error() { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

// Result<void>: success or an error.
template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error) : e_(std::move(error)) {}  // NOLINT

  explicit operator bool() const { return !e_; }
  bool ok() const { return !e_; }
  const E& error() const { return *e_; }

 private:
  std::optional<E> e_;
};

using Status = Result<void>;

}  // namespace crm
