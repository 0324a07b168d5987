// The signing secret of a webhook output, as Standard Webhooks 1.0 writes it:
// "whsec_" followed by the standard base64 (RFC 4648 §4, with padding) of the key; the
// HMAC-SHA256 key is the decoded bytes, not the text.
// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace crm {

// Standard base64 with its '=' padding → bytes; nullopt for anything else (the URL-safe
// alphabet, a missing or misplaced '=', white space).
std::optional<std::string> decode_base64(std::string_view text);

struct WebhookKey {
  std::string key;      // the decoded bytes
  std::string problem;  // "" or what is wrong, in words that never quote the secret
};

WebhookKey parse_webhook_secret(std::string_view secret);

}  // namespace crm
