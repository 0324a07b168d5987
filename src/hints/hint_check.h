// Whether a hint really comes from the source's CRM, as that CRM proves it (platform.md
// "Push hints in"): HubSpot's v3 signature with its 5-minute timestamp window, HTTP
// Basic (Pipedrive webhooks), an HMAC of the body in a header (in-house CRMs), a fixed
// header value (Dataverse webhooks' HttpHeader authentication), the notification
// channel's token in the body (Zoho), or a key in the query (Odoo, which can set no header). Every comparison is constant-time. Pure;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/http_server.h"
#include "config/config.h"
#include "core/time.h"

namespace crm {

inline constexpr Millis kHubSpotWindow = std::chrono::minutes(5);

// nullopt when verified; else why not, for the log (never a secret, never the body).
// `called_url`: the URL the CRM called (HubSpot signs it), see called_url().
std::optional<std::string> check_hint(const SourceHints& hints, const ServerRequest& request,
                                      std::string_view called_url, TimePoint now);

// The URL the CRM called: hints.public_url (as the proxy in front is reached) or, when
// unset, http://<Host><path>, followed by the query as received.
std::string called_url(const ServerRequest& request, std::string_view public_url);

// HubSpot v3's signed string: "POST" + URI (with %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A
// %2C %3B decoded, as HubSpot's documentation says) + body + timestamp.
std::string hubspot_v3_source(std::string_view method, std::string_view uri, std::string_view body,
                              std::string_view timestamp);

}  // namespace crm
