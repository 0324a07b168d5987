// What the rest connector does with a list answer it cannot parse as it came: invalid
// UTF-8 is repaired (a CRM keeps serving the same bad bytes, so failing would stop the
// source for good), anything else fails the page with an error that says what arrived
// (a login page from a captive portal or proxy names its Content-Type). Error path only:
// the common path never calls these. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/http_client.h"

namespace crm {

struct Utf8Repair {
  std::string text;      // the body with each invalid sequence replaced by U+FFFD
  size_t invalid = 0;    // sequences replaced
  size_t first_at = 0;   // byte offset of the first one in the original body
};

// Decodes as RFC 3629 does (no overlongs, surrogates or code points past U+10FFFF).
Utf8Repair repair_utf8(std::string_view body);

// True when a Content-Type names JSON (application/json, …+json), or is absent: a CRM
// that sends no type gets the benefit of the doubt.
bool is_json_type(std::string_view content_type);

// A transient Error for a 2xx answer that is not JSON: "<what>: the CRM answered HTTP 200
// with Content-Type text/html, not JSON (…)" when the type is not JSON, else "<what>: the
// CRM's answer is not valid JSON (<parser error>; N bytes)"; no "<what>: " when it is "".
Error unreadable_answer(std::string_view what, const HttpResponse& response, std::string_view parser_error);

}  // namespace crm
