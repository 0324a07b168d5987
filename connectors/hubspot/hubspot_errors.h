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
// A 429 for the account's DAILY limit: retrying before midnight only burns requests, so
// the HTTP client hands it back at once (HttpRequest::final_answer).
bool hubspot_daily_limit_hit(const HttpResponse& response);

}  // namespace crm
