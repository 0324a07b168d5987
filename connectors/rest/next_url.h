// Next-page URLs as CRMs send them: SuiteCRM builds its `links.next` with PHP's
// urldecode(http_build_query(...)), so raw spaces and brackets arrive
// (`filter[date_modified][gte]=2026-12-02 06:52:37`) and libcurl refuses them as a
// malformed URL. Here: repairing such a URL, telling page-number/offset links apart (they
// shift when records are edited during a pass), and writing a URL into an error without
// its credentials. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"

namespace crm {

// Percent-encodes what may not stand in a URL (controls, space, non-ASCII, "<>\"{}|\\^`",
// and brackets after the host); an existing %XX is kept, a stray '%' becomes %25.
std::string encode_url_gaps(std::string_view url);

// True when the URL's query has a parameter named like page-number or offset paging
// (page, page[number], offset, page[offset], start, skip, …) with a decimal value.
bool is_positional_link(std::string_view url);

// The URL with user-info and the values of credential-like query parameters (the
// source's api_key name, access_token, token, key, …) replaced by ***.
std::string url_without_secrets(std::string_view url, const AuthConfig& auth);

}  // namespace crm
