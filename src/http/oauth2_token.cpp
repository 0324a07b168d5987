#include "http/oauth2_token.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/text_codec.h"

#include "http/http_client.h"

namespace crm {

std::string client_basic_credentials(const AuthConfig& auth) {
  // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and encoded.
  std::string pair = url_encode(auth.client_id) + ":" + url_encode(auth.client_secret.reveal());
  return "Basic " + base64(pair);
}
namespace {

void add_field(std::string& form, std::string_view name, std::string_view value) {
  if (!form.empty()) form += '&';
  form += url_encode(name);
  form += '=';
  form += url_encode(value);
}

std::string_view string_field(simdjson::dom::element obj, std::string_view key) {
  std::string_view s;
  if (obj[key].get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

// expires_in is a number at most vendors, a string ("3599") at some Microsoft endpoints.
std::optional<Millis> seconds_field(simdjson::dom::element obj, std::string_view key) {
  simdjson::dom::element v;
  if (obj[key].get(v) != simdjson::SUCCESS) return std::nullopt;
  double seconds = 0;
  if (v.is_int64()) {
    seconds = static_cast<double>(v.get_int64().value_unsafe());
  } else if (v.is_uint64()) {
    seconds = static_cast<double>(v.get_uint64().value_unsafe());
  } else if (v.is_double()) {
    seconds = v.get_double().value_unsafe();
  } else if (v.is_string()) {
    std::string_view s = v.get_string().value_unsafe();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > 1e9) return std::nullopt;
  return Millis{static_cast<int64_t>(seconds * 1000)};
}

}  // namespace

Result<std::string> token_request_body(const AuthConfig& auth, const std::string& refresh_token) {
  std::string grant = auth.grant;
  if (grant.empty()) grant = refresh_token.empty() ? "client_credentials" : "refresh_token";
  std::string form;
  if (grant == "client_credentials") {
    add_field(form, "grant_type", "client_credentials");
  } else if (grant == "refresh_token") {
    if (refresh_token.empty())
      return Error::config("oauth2: grant refresh_token needs a refresh_token");
    add_field(form, "grant_type", "refresh_token");
    add_field(form, "refresh_token", refresh_token);
  } else {
    return Error::config(
        fmt::format("oauth2: unknown grant '{}' (client_credentials | refresh_token)", grant));
  }
  // Client authentication in the body (RFC 6749 §2.3.1): every vendor here accepts it.
  if (auth.client_auth != "basic") {  // with basic they go in the Authorization header
    if (!auth.client_id.empty()) add_field(form, "client_id", auth.client_id);
    if (!auth.client_secret.empty()) add_field(form, "client_secret", auth.client_secret.reveal());
  }
  if (!auth.scope.empty()) add_field(form, "scope", auth.scope);
  return form;
}

Result<TokenResponse> parse_token_response(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS || !doc.is_object())
    return Error::auth("token response is not a JSON object");
  TokenResponse out;
  out.access_token = std::string(string_field(doc, "access_token"));
  if (out.access_token.empty()) {
    std::string detail = oauth_error_detail(body);
    return Error::auth(detail.empty()
                           ? std::string("token response has no access_token")
                           : fmt::format("token response has no access_token: {}", detail));
  }
  out.token_type = std::string(string_field(doc, "token_type"));
  out.expires_in = seconds_field(doc, "expires_in");
  out.refresh_token = std::string(string_field(doc, "refresh_token"));
  out.instance_url = std::string(string_field(doc, "instance_url"));
  return out;
}

std::string oauth_error_detail(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS || !doc.is_object()) return {};
  std::string error(string_field(doc, "error"));
  if (error.empty()) {
    simdjson::dom::element nested;
    if (doc["error"].get(nested) == simdjson::SUCCESS && nested.is_object())
      error = std::string(string_field(nested, "message"));
  }
  std::string description(string_field(doc, "error_description"));
  if (description.empty() && error.empty()) description = std::string(string_field(doc, "message"));
  if (error.empty()) return description;
  if (description.empty()) return error;
  return fmt::format("{}: {}", error, description);
}

bool OAuth2Token::valid(TimePoint now) const {
  if (access_token_.empty()) return false;
  return !use_until_ || now < *use_until_;
}

void OAuth2Token::set(const TokenResponse& response, TimePoint now) {
  access_token_ = response.access_token;
  if (response.expires_in) {
    Millis margin = std::min<Millis>(std::chrono::seconds(60), *response.expires_in / 2);
    use_until_ = now + *response.expires_in - margin;
  } else {
    use_until_.reset();
  }
}

std::string OAuth2Token::authorization(std::string_view scheme) const {
  // The scheme is the caller's, never token_type: servers spell it "bearer" or "Bearer"
  // (case-insensitive, RFC 6750 §2.1), and Zoho says "Bearer" but wants Zoho-oauthtoken.
  return std::string(scheme) + " " + access_token_;
}

}  // namespace crm
