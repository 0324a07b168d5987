// OAuth 2.0 token handling for the HTTP client (RFC 6749 §4.4 client credentials and §6
// refresh): the form sent to the token endpoint, the parsing of its answer, and the
// cached token with its expiry. No I/O here: HttpClient sends the request.
// OAuth2Token is owned by one HttpClient; not thread-safe. The free functions are pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/result.h"
#include "core/time.h"

namespace crm {

// What a token endpoint answered, reduced to what the client needs.
struct TokenResponse {
  std::string access_token;
  std::string token_type;            // "" when absent
  std::optional<Millis> expires_in;  // absent at Salesforce: valid until a 401
  std::string refresh_token;         // set when the server rotates the refresh token
  std::string instance_url;          // Salesforce: the org's API host (trusted for credentials)
};

// The application/x-www-form-urlencoded body for the configured grant. The grant
// defaults to refresh_token when a refresh token is configured, else client_credentials.
// `refresh_token` is the current one (it may have been rotated since the config was read).
// Error::config for an unknown grant or a missing refresh token.
Result<std::string> token_request_body(const AuthConfig& auth, const std::string& refresh_token);

// "Basic <base64(urlencode(client_id):urlencode(client_secret))>", for client_auth: basic.
std::string client_basic_credentials(const AuthConfig& auth);

// Parses a 2xx token response. Error::auth when it carries no access_token (Zoho answers
// some failures with HTTP 200 and {"error": ...}); the message never quotes the body.
Result<TokenResponse> parse_token_response(std::string_view body);

// "invalid_grant: expired access/refresh token" from an RFC 6749 §5.2 error body (also
// {"error": {"message": ...}} and {"message": ...}); "" when the body says nothing usable.
std::string oauth_error_detail(std::string_view body);

// The cached access token and when to stop using it.
class OAuth2Token {
 public:
  // Usable at `now`: present and not within the safety margin of its expiry.
  bool valid(TimePoint now) const;
  // Caches a fresh token. The token is dropped 60 s before it expires (or halfway, for
  // lifetimes under two minutes) so that a request never goes out with a token that
  // expires in flight.
  void set(const TokenResponse& response, TimePoint now);
  void invalidate() { access_token_.clear(); }
  const std::string& access_token() const { return access_token_; }
  // The Authorization header value: "<scheme> <token>" ("Bearer <token>" by default;
  // Zoho wants "Zoho-oauthtoken <token>" although its token answer says "Bearer").
  std::string authorization(std::string_view scheme = "Bearer") const;

 private:
  std::string access_token_;
  std::optional<TimePoint> use_until_;
};

}  // namespace crm
