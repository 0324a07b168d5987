// HttpClient: the one outbound HTTP client every connector uses (libcurl).
//
// It owns connection reuse, gzip, timeouts, TLS verification, the source's credentials
// (through its RequestAuth: bearer, api_key, basic, oauth2 with a cached token), the
// source's rate-limit bucket, and
// retries with exponential backoff and jitter on 429, 5xx, timeouts and resets,
// honouring Retry-After. It returns the final HTTP response whatever its status, so
// that the connector can read the vendor's error body; an Error only when no response
// could be had (transport failure after retries) or a token could not be obtained.
// No secret ever appears in an Error message or a log line.
// Trust boundaries (platform.md): credentials go only to the origins of base_url,
// token_url and an instance_url the token endpoint returns (a request or a redirect
// elsewhere fails, naming both origins); same-origin redirects of GET and HEAD are
// followed; every answer is capped at max_response_size after decompression; error
// bodies come back with every credential replaced by "***".
//
// One HttpClient per source; not thread-safe (a source runs on one thread at a time).
// The RateLimiter it is given may be shared between sources of one quota_group.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "core/redact.h"
#include "core/result.h"
#include "core/text_codec.h"  // url_encode, which connectors use with the client
#include "core/time.h"
#include "http/rate_limiter.h"
#include "http/sleeper.h"

namespace crm {

using Headers = std::vector<std::pair<std::string, std::string>>;
struct HttpResponse;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  // A second rate-limit bucket this request also draws from, registered with
  // HttpClient::add_bucket (an endpoint with its own, lower limit: HubSpot search).
  std::string bucket = {};
  // True for a 429/5xx answer that retrying cannot help (a daily quota that resets at
  // midnight): it is returned at once instead of being retried.
  std::function<bool(const HttpResponse&)> final_answer = {};
};

struct HttpResponse {
  long status = 0;
  Headers headers;  // names lower-cased, in arrival order
  std::string body;
  std::string url;  // the URL that answered (after redirects)
  std::optional<double> retry_after_s;  // its Retry-After (seconds or HTTP-date), if any

  // First header with that (case-insensitive) name, or "".
  std::string_view header(std::string_view name) const;
};

struct HttpClientOptions {
  Millis timeout = std::chrono::seconds(30);
  int max_attempts = 5;  // including the first
  Millis backoff_base = std::chrono::milliseconds(500);
  Millis backoff_max = std::chrono::seconds(60);
  Millis retry_after_max = std::chrono::minutes(5);  // longer requests fail the attempt
  bool insecure_skip_verify = false;
  Headers default_headers;  // the source's `headers:`
  std::string user_agent = "crm-index/0.1";
  // The source's base_url: with it, credentials go only to its origin, token_url's and an
  // instance_url from the token endpoint. Empty (unit tests of other things): no check.
  std::string base_url;
  // Bytes of one answer after decompression; past it the request fails.
  int64_t max_response_size = int64_t{256} << 20;
  // Where add_bucket() gets a named bucket: the quota group's registry, so that sources of
  // one quota_group share every bucket, not only the main one. Unset: the client's own.
  std::function<std::shared_ptr<RateLimiter>(const std::string& name, double per_second)> shared_bucket;
  // Told of every attempt's outcome, its HTTP status (0: no answer: refused, reset, timed
  // out), and of every retry; for the source's request metrics. Called on the thread
  // that sends; unset: nobody is told.
  std::function<void(long status)> on_attempt;
  std::function<void()> on_retry;
};

struct HttpStats {
  long requests = 0;  // attempts sent, including retries and token requests
  long retries = 0;
  long token_refreshes = 0;
};

class HttpClient {
 public:
  HttpClient(HttpClientOptions options, AuthConfig auth, std::shared_ptr<RateLimiter> limiter,
             Sleeper& sleeper, const Clock& clock);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Result<HttpResponse> send(const HttpRequest& request);
  Result<HttpResponse> get(const std::string& url, const Headers& headers = {});

  // For connectors whose token response carries more than the token (Salesforce's
  // instance_url): the JSON body of the last successful token response, or "".
  const std::string& last_token_response() const;
  // Drops the cached OAuth token so that the next request fetches a new one.
  void invalidate_token();
  // A named bucket of `per_second` requests (burst 1) that requests naming it in
  // HttpRequest::bucket draw from, on top of the source's own rate limit; shared with
  // the quota group's other sources when options.shared_bucket is set.
  void add_bucket(const std::string& name, double per_second);

  // The Authorization scheme word for bearer and oauth2 tokens when the source's
  // auth.scheme is not set (default "Bearer"). For connectors whose vendor wants another
  // word (Zoho: "Zoho-oauthtoken"); set before the first request.
  void set_default_auth_scheme(std::string scheme);

  const HttpStats& stats() const;

  // Knows every credential this client holds (the configured ones, the current access
  // and refresh tokens) in all their forms: for text from outside on its way to an
  // error, a log line or the index.
  const Redactor& redactor() const;
  // A next-page token (often a URL) without the api_key query parameter and without any
  // query parameter whose value holds a credential: what may be stored. The client adds
  // the api_key to every request again, replacing any copy.
  std::string without_credentials(std::string_view page_token) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crm
