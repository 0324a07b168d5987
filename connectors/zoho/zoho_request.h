// Building Zoho CRM Get Records / Deleted Records requests and the connector's page tokens.
//
// A list request is
//   GET {base}/crm/{version}/{Module}?fields=…&per_page=N&sort_by=Modified_Time&sort_order=asc
//       [&page=P | &page_token=T]
//   If-Modified-Since: 2025-11-20T08:59:59+00:00        (when the window has a start)
// Zoho's default order is descending, so sort_order=asc is always sent. If-Modified-Since
// means "modified AFTER"; Modified_Time has whole seconds, so a window that starts at S
// (inclusive, as connector.h requires) is asked for with S − 1 s, written with an explicit
// +00:00 offset (an offset-less value would be read in the org's zone).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/zoho/zoho_options.h"
#include "core/time.h"
#include "http/http_client.h"

namespace crm {

// Where a run stands. Within one module the connector reads keyset windows: a window is
// every record with Modified_Time >= since (no bound on a full pass's first window). A
// page whose last record is newer than the window start starts a new window there; a
// page that is all one timestamp (a bulk update) continues the same window with
// page_token, or with the next page number when the API gave no token.
struct ZohoToken {
  size_t module = 0;
  std::optional<int64_t> since_ms;  // the window start, inclusive; none: from the beginning
  int page = 1;                     // used when page_token is empty
  std::string page_token;           // Zoho's info.next_page_token
};
// "m=<i>;s=<ms or empty>;p=<n>;t=<token>" (the token last: it is Zoho's, opaque).
std::string encode_zoho_token(const ZohoToken& token);
std::optional<ZohoToken> decode_zoho_token(std::string_view text);

std::string zoho_list_url(std::string_view base_url, const ZohoOptions& options, const ZohoModule& module,
                          const ZohoToken& at, int page_size);
// Deleted records of every kind (recycle bin and permanent), one page.
std::string zoho_deleted_url(std::string_view base_url, const ZohoOptions& options, const ZohoModule& module,
                             int page);
// Accept, plus If-Modified-Since for a window with a start.
Headers zoho_headers(std::optional<int64_t> since_ms);
// The If-Modified-Since value for a window starting at since_ms (inclusive).
std::string zoho_if_modified_since(int64_t since_ms);

}  // namespace crm
