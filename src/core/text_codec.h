// Small text codecs shared by the API's page tokens and the fake CRM's cursors:
// unpadded base64url (RFC 4648 §5) and strict whole-string integer parsing. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crm {

std::string base64url(std::string_view in);
// nullopt on any character outside the base64url alphabet.
std::optional<std::string> unbase64url(std::string_view in);
// The whole string as a decimal number; nullopt for "", signs where not allowed, junk.
std::optional<uint64_t> parse_uint(std::string_view s);
std::optional<int64_t> parse_int(std::string_view s);

}  // namespace crm
