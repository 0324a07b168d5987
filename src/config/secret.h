// Secret: a credential that must never reach a log line, an error or the API.
// Formatting one with fmt prints "***"; only the HTTP client calls reveal().
// Value type; thread-compatible.
#pragma once

#include <fmt/format.h>

#include <string>
#include <utility>

namespace crm {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string v) : v_(std::move(v)) {}
  const std::string& reveal() const { return v_; }
  bool empty() const { return v_.empty(); }

 private:
  std::string v_;
};

}  // namespace crm

template <>
struct fmt::formatter<crm::Secret> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const crm::Secret&, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format("***", ctx);
  }
};
