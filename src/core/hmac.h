// HMAC-SHA256 and a constant-time comparison, from OpenSSL's libcrypto: what signs the
// outgoing webhooks (src/outputs) and checks the incoming hints (src/hints). A MAC and a
// timing-safe compare are not things to write by hand. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace crm {

// The 32 raw bytes of HMAC-SHA256(key, data).
std::string hmac_sha256(std::string_view key, std::string_view data);

// a == b, in time that depends only on the lengths (CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace crm
