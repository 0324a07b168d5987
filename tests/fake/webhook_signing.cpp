#include "fake/webhook_signing.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/text_codec.h"

namespace crm::fake {
namespace {

std::string_view as_chars(const unsigned char* p, unsigned int n) { return {reinterpret_cast<const char*>(p), n}; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  return std::string(as_chars(mac, len));
}

std::string sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(as_chars(md, len));
}

std::string lower_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::string hubspot_signed_uri(std::string_view url) {
  static constexpr std::string_view kDecoded = ":/?@!$'()*,;";
  std::string out;
  out.reserve(url.size());
  for (size_t i = 0; i < url.size(); ++i) {
    if (url[i] == '%' && i + 2 < url.size()) {
      int hi = hex_digit(url[i + 1]), lo = hex_digit(url[i + 2]);
      if (hi >= 0 && lo >= 0 && kDecoded.find(static_cast<char>(hi * 16 + lo)) != std::string_view::npos) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += url[i];
  }
  return out;
}

std::string hubspot_signature_v3(std::string_view secret, std::string_view method, std::string_view url,
                                 std::string_view body, int64_t timestamp_ms) {
  std::string source;
  source.reserve(method.size() + url.size() + body.size() + 20);
  source.append(method).append(hubspot_signed_uri(url)).append(body).append(std::to_string(timestamp_ms));
  return base64(hmac_sha256(secret, source));
}

std::string hubspot_signature_v1(std::string_view secret, std::string_view body) {
  std::string source(secret);
  source.append(body);
  return lower_hex(sha256(source));
}

std::string body_signature(std::string_view secret, std::string_view body, std::string_view prefix, bool base64_form) {
  std::string mac = hmac_sha256(secret, body);
  return std::string(prefix) + (base64_form ? base64(mac) : lower_hex(mac));
}

std::string basic_authorization(std::string_view user, std::string_view password) {
  std::string pair(user);
  pair.append(":").append(password);
  return "Basic " + base64(pair);
}

}  // namespace crm::fake
