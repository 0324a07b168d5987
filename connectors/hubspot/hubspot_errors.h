// HubSpot's error answers ({"status":"error","message","correlationId","category"} and
// the 429 body with policyName) mapped to Errors. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "http/http_client.h"

namespace crm {

// `what` says what was being done ("hubspot contacts: search"). 401 → auth; 403
// (MISSING_SCOPES) → config; 400 (VALIDATION_ERROR) → config; 429 with policyName DAILY
// → transient with a message saying it will not clear before the daily reset (the run
// stops instead of retrying); other 429 and 5xx → transient. The message carries the
// CRM's message, category, policy and correlationId, never a credential.
Error hubspot_error(std::string_view what, const HttpResponse& response);

}  // namespace crm
