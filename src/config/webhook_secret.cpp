#include "config/webhook_secret.h"

#include "core/text_codec.h"

namespace crm {
namespace {

constexpr std::string_view kPrefix = "whsec_";

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  // At most two '=', and only at the end: "A===" encodes nothing, "AB=C" is not base64.
  std::string_view body = text;
  while (!body.empty() && body.back() == '=' && text.size() - body.size() < 2) body.remove_suffix(1);
  // The alphabets differ in their last two letters only: translated, core's base64url
  // decoder reads it.
  std::string url_safe(body);
  for (char& c : url_safe) {
    if (!is_base64_char(c)) return std::nullopt;
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return unbase64url(url_safe);
}

WebhookKey parse_webhook_secret(std::string_view secret) {
  WebhookKey out;
  if (!secret.starts_with(kPrefix)) {
    out.problem =
        "the secret does not start with 'whsec_' (a Standard Webhooks secret is 'whsec_' and the base64 of the key)";
    return out;
  }
  auto key = decode_base64(secret.substr(kPrefix.size()));
  if (!key) {
    out.problem = "the text after 'whsec_' is not standard base64 with '=' padding";
  } else if (key->empty()) {
    out.problem = "the key after 'whsec_' is empty";
  } else {
    out.key = std::move(*key);
  }
  return out;
}

}  // namespace crm
