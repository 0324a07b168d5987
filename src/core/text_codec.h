// Small text helpers shared by the API's page tokens, the fake CRM's cursors, the
// connectors' URL templates and header parsing: unpadded base64url (RFC 4648 §5), strict
// whole-string integer parsing, replace_all, trimming; standard base64 and percent-encoding
// (HTTP Basic credentials, query strings, the redactor's secret forms). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crm {

std::string base64url(std::string_view in);
// Standard base64 with padding (RFC 4648 §4), as HTTP Basic credentials use it.
std::string base64(std::string_view in);
// Lower-case hex, two digits per byte (digests in signature headers).
std::string hex_lower(std::string_view in);
// Percent-encodes a query component (RFC 3986 unreserved characters pass).
std::string url_encode(std::string_view s);
// nullopt on any character outside the base64url alphabet.
std::optional<std::string> unbase64url(std::string_view in);
// The whole string as a decimal number; nullopt for "", signs where not allowed, junk.
std::optional<uint64_t> parse_uint(std::string_view s);
std::optional<int64_t> parse_int(std::string_view s);
// Replaces every occurrence of `from` (non-empty) in s; for URL templates such as {id}.
void replace_all(std::string& s, std::string_view from, std::string_view to);
// s without leading and trailing ASCII white space (space, \t, \n, \r, \f, \v); never
// locale-dependent.
std::string_view trim_ascii_space(std::string_view s);
// The parts of s between each `sep` ("a,,b" → a, "", b; "" → one empty part); views into s.
std::vector<std::string_view> split(std::string_view s, char sep);

}  // namespace crm
