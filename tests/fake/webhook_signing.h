// How the vendors sign or authenticate the webhooks the fake sends: HubSpot's v3 and v1
// signatures, an in-house CRM's HMAC of the body, HTTP Basic. OpenSSL's libcrypto does
// the hashing (a MAC is nothing to write by hand). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace crm::fake {

// The raw 32-byte MACs and digests, and their lower-case hex form.
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string sha256(std::string_view data);
std::string lower_hex(std::string_view bytes);

// The request URI as HubSpot signs it: the URL as called, with exactly the escapes
// %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B (either case) decoded to : / ? @ ! $ ' ( ) * , ;
// and every other escape left as written
// (https://developers.hubspot.com/docs/api/webhooks/validating-requests, "Validate the v3
// request signature").
std::string hubspot_signed_uri(std::string_view url);

// X-HubSpot-Signature-v3: base64(HMAC-SHA256(client secret, method + URI + body + timestamp)).
std::string hubspot_signature_v3(std::string_view secret, std::string_view method, std::string_view url,
                                 std::string_view body, int64_t timestamp_ms);
// X-HubSpot-Signature with X-HubSpot-Signature-Version v1, which HubSpot still sends beside
// v3 for webhook subscriptions: hex(SHA-256(client secret + body)).
std::string hubspot_signature_v1(std::string_view secret, std::string_view body);

// prefix + hex or base64 of HMAC-SHA256(secret, body): the usual in-house signature header.
std::string body_signature(std::string_view secret, std::string_view body, std::string_view prefix, bool base64);

// "Basic base64(user:password)".
std::string basic_authorization(std::string_view user, std::string_view password);

}  // namespace crm::fake
