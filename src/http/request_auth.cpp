#include "http/request_auth.h"

#include <fmt/format.h>

#include "core/text_codec.h"
#include "http/http_client.h"
#include "http/origin.h"
#include "http/retry_policy.h"

namespace crm {

RequestAuth::RequestAuth(AuthConfig auth) : auth_(std::move(auth)) {
  if (auth_.type == "api_key" && auth_.in == "query") query_key_ = auth_.name;
  refresh_token_ = auth_.refresh_token.reveal();
  rebuild_redactor();
}

Result<AppliedAuth> RequestAuth::apply() const {
  AppliedAuth out;
  const std::string& type = auth_.type;
  if (type == "bearer") {
    out.header.emplace("Authorization", scheme() + " " + auth_.token.reveal());
  } else if (type == "api_key") {
    if (auth_.in == "query")
      out.query.emplace(auth_.name, auth_.value.reveal());
    else
      out.header.emplace(auth_.name, auth_.value.reveal());
  } else if (type == "basic") {
    out.basic_user = &auth_.username;
    out.basic_password = &auth_.password.reveal();
  } else if (type == "oauth2") {
    out.header.emplace("Authorization", token_.authorization(scheme()));
  } else if (!type.empty() && type != "odoo") {  // odoo logs in at the JSON-RPC level
    return Error::config(fmt::format("unknown auth type '{}'", type));
  }
  return out;
}

std::string RequestAuth::token_failure_prefix() const {
  return fmt::format("oauth2: token request to {} failed", url_for_message(auth_.token_url));
}

Result<HttpRequest> RequestAuth::token_request() const {
  if (auth_.token_url.empty()) return Error::config("oauth2: token_url is not set");
  auto form = token_request_body(auth_, refresh_token_);
  if (!form) return Error::config(form.error().message);
  HttpRequest request{
      "POST",
      auth_.token_url,
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
      std::move(*form)};
  if (auth_.client_auth == "basic") request.headers.emplace_back("Authorization", client_basic_credentials(auth_));
  return request;
}

Result<TokenResponse> RequestAuth::read_token_answer(const HttpResponse& response) const {
  if (response.status < 200 || response.status >= 300) {
    std::string detail = oauth_error_detail(response.body);
    std::string message = fmt::format("{}: HTTP {}", token_failure_prefix(), response.status);
    if (!detail.empty()) message += ": " + detail;
    // 429/5xx were retried already; still a server problem, not a bad credential.
    Error e = is_retryable_status(response.status) ? Error::transient(std::move(message))
                                                   : Error::auth(std::move(message));
    e.http_status = static_cast<int>(response.status);
    return e;
  }
  auto parsed = parse_token_response(response.body);
  if (!parsed) return Error::auth(fmt::format("{}: {}", token_failure_prefix(), parsed.error().message));
  return parsed;
}

void RequestAuth::keep_token(const TokenResponse& token, TimePoint sent_at, std::string body) {
  token_.set(token, sent_at);
  if (!token.refresh_token.empty()) refresh_token_ = token.refresh_token;
  last_token_response_ = std::move(body);
  rebuild_redactor();
}

void RequestAuth::rebuild_redactor() {
  Redactor r;
  for (const Secret* s : {&auth_.token, &auth_.value, &auth_.password, &auth_.client_secret, &auth_.refresh_token})
    r.add(s->reveal());
  r.add(refresh_token_);  // a rotated one
  r.add(token_.access_token());
  if (auth_.type == "basic" || auth_.type == "odoo") r.add_basic(auth_.username, auth_.password.reveal());
  if (auth_.type == "oauth2") {
    r.add_basic(auth_.client_id, auth_.client_secret.reveal());
    r.add_basic(url_encode(auth_.client_id), url_encode(auth_.client_secret.reveal()));
  }
  redactor_ = std::move(r);
}

}  // namespace crm
