// The API's optional bearer token (design.md: "optional bearer token from a file").
// Pure; thread-safe.
#pragma once

#include <string_view>

namespace crm {

// True when `authorization` (the header's value) is "Bearer <expected>", the scheme
// compared case-insensitively. The token comparison takes a time that depends only on
// the length of `expected`, not on where a guess first differs.
bool bearer_token_matches(std::string_view authorization, std::string_view expected);

}  // namespace crm
