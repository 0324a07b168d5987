// What the token endpoints of the vendor dialects read: the fields of an
// application/x-www-form-urlencoded body, and client credentials sent as HTTP Basic; also
// the query of a webhook URL (Zoho echoes it). Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crm::fake {

// The decoded value of the first `name` field ("" for "name" without '='); nullopt when
// absent. '+' is a space, %XX a byte; a malformed %-escape stays as written.
std::optional<std::string> form_field(std::string_view body, std::string_view name);

// Every name=value pair of a form body or URL query string, decoded, in order.
std::vector<std::pair<std::string, std::string>> form_fields(std::string_view body);

// "id:secret" from an `Authorization: Basic …` value; nullopt for another scheme or bad base64.
std::optional<std::string> basic_credentials(std::string_view authorization);

}  // namespace crm::fake
