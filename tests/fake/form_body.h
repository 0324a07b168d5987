// The fields of an application/x-www-form-urlencoded body, as the token endpoints of
// every vendor dialect read them. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace crm::fake {

// The decoded value of the first `name` field ("" for "name" without '='); nullopt when
// absent. '+' is a space, %XX a byte; a malformed %-escape stays as written.
std::optional<std::string> form_field(std::string_view body, std::string_view name);

}  // namespace crm::fake
