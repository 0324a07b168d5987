// Standard Webhooks 1.0 signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
// "<webhook-id>.<webhook-timestamp>.<body>" with the endpoint's key, sent as
// "v1,<base64>". OpenSSL's libcrypto computes the MAC (a MAC is nothing to write by hand).
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace crm {

// The webhook-signature header value for one delivery. `key`: the decoded secret bytes.
std::string sign_webhook(std::string_view key, std::string_view id, int64_t timestamp, std::string_view body);

}  // namespace crm
