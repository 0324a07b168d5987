#include "outputs/webhook_signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "core/text_codec.h"

namespace crm {

std::string sign_webhook(std::string_view key, std::string_view id, int64_t timestamp, std::string_view body) {
  std::string signed_content;
  signed_content.reserve(id.size() + body.size() + 24);
  signed_content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(signed_content.data()), signed_content.size(), mac, &mac_len);
  return "v1," + base64(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

}  // namespace crm
