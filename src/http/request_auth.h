// RequestAuth: a source's credentials and how they go onto its requests: a bearer token,
// an api_key in a header or the query string, HTTP Basic (libcurl writes the header), or
// OAuth 2.0 with a cached token that it asks the client to fetch and refresh. It also
// knows every credential it holds in all its forms (the Redactor). No I/O: HttpClient
// sends the token request and asks before every attempt what to put on it.
// Owned by one HttpClient; not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/config.h"
#include "core/redact.h"
#include "core/result.h"
#include "core/time.h"
#include "http/oauth2_token.h"

namespace crm {

struct HttpRequest;
struct HttpResponse;

// What one request carries: at most one of these is set.
struct AppliedAuth {
  std::optional<std::pair<std::string, std::string>> header;  // name, value
  std::optional<std::pair<std::string, std::string>> query;   // api_key in the query string
  // HTTP Basic, for libcurl (CURLOPT_USERNAME / CURLOPT_PASSWORD); point into the config.
  const std::string* basic_user = nullptr;
  const std::string* basic_password = nullptr;
};

class RequestAuth {
 public:
  explicit RequestAuth(AuthConfig auth);

  // The credentials for the next request; Error::config for an auth type it does not know.
  // Odoo's sources log in at the JSON-RPC level: nothing goes on the request.
  Result<AppliedAuth> apply() const;

  bool uses_token() const { return auth_.type == "oauth2"; }
  // An OAuth 2.0 source whose token is missing or about to expire must fetch one first.
  bool needs_token(TimePoint now) const { return uses_token() && !token_.valid(now); }
  // The request for a new token (the configured grant, the current refresh token); only
  // the form's credentials and, for client_auth: basic, the client's.
  Result<HttpRequest> token_request() const;
  // The token endpoint's final answer, read: Error::auth for a refusal or an answer
  // without a token, Error::transient for a 429/5xx that retries did not cure.
  Result<TokenResponse> read_token_answer(const HttpResponse& response) const;
  // Keeps a token read from `body`, requested at `sent_at` (its lifetime counts from then).
  void keep_token(const TokenResponse& token, TimePoint sent_at, std::string body);
  void invalidate_token() { token_.invalidate(); }
  // "oauth2: token request to https://login.example.com/token failed", for messages.
  std::string token_failure_prefix() const;

  // The JSON body of the last token answer kept, or "".
  const std::string& last_token_response() const { return last_token_response_; }
  // The Authorization word for bearer and oauth2 tokens when auth.scheme is not set.
  void set_default_scheme(std::string scheme) { default_scheme_ = std::move(scheme); }
  // The api_key's query parameter name when the key goes in the query, else "".
  const std::string& query_key() const { return query_key_; }
  const std::string& token_url() const { return auth_.token_url; }
  const Redactor& redactor() const { return redactor_; }

 private:
  const std::string& scheme() const { return auth_.scheme.empty() ? default_scheme_ : auth_.scheme; }
  void rebuild_redactor();

  AuthConfig auth_;
  std::string query_key_;
  OAuth2Token token_;
  std::string refresh_token_;  // the current one: servers may rotate it
  std::string last_token_response_;
  std::string default_scheme_ = "Bearer";
  Redactor redactor_;  // every credential held, rebuilt when a token changes
};

}  // namespace crm
