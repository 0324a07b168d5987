// What the token endpoints of the vendor dialects read: the fields of an
// application/x-www-form-urlencoded body, and client credentials sent as HTTP Basic.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace crm::fake {

// The decoded value of the first `name` field ("" for "name" without '='); nullopt when
// absent. '+' is a space, %XX a byte; a malformed %-escape stays as written.
std::optional<std::string> form_field(std::string_view body, std::string_view name);

// "id:secret" from an `Authorization: Basic …` value; nullopt for another scheme or bad base64.
std::optional<std::string> basic_credentials(std::string_view authorization);

}  // namespace crm::fake
