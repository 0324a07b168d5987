#include "outputs/webhook_signature.h"

#include <string>

#include "core/hmac.h"
#include "core/text_codec.h"

namespace crm {

std::string sign_webhook(std::string_view key, std::string_view id, int64_t timestamp, std::string_view body) {
  std::string signed_content;
  signed_content.reserve(id.size() + body.size() + 24);
  signed_content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  return "v1," + base64(hmac_sha256(key, signed_content));
}

}  // namespace crm
