// Entity tags for the API's JSON answers: a weak ETag from a hash of the body, so an
// unchanged list or record answers a conditional request (If-None-Match) with 304 and
// no body. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace crm {

// W/"<16 hex digits of XXH3-64 of the body>"
std::string etag_for(std::string_view body);
// RFC 9110 If-None-Match with weak comparison: "*", or a comma-separated list of tags,
// one of which equals `etag` ignoring the W/ prefixes.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace crm
