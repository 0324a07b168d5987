// What a CRM said when it refused a request, and what kind of Error that is.
// Shared by every connector; pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "http/http_client.h"

namespace crm {

// The CRM's own message from an error body: tries the usual JSON shapes
// ({"error":{"message"}}, {"message"}, [{"message","errorCode"}], {"errors":[...]},
// {"detail"}, {"error":"...","error_description"}), else the start of the body as text.
// Never longer than 300 bytes; control characters are replaced.
std::string crm_error_message(std::string_view body);

// Maps a non-2xx response to an Error: 401/403 → auth, 404/400/422 → config,
// 408/429/5xx → transient, with the answer's Retry-After as retry_after_s; the message
// is "<what>: HTTP <status>: <CRM message>".
Error error_from_response(std::string_view what, const HttpResponse& response);

}  // namespace crm
