#include "http/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <optional>
#include <random>

#include "core/text_codec.h"
#include "http/origin.h"
#include "http/request_auth.h"
#include "http/retry_policy.h"

namespace crm {
namespace {

constexpr auto kMaxConnectTimeout = std::chrono::seconds(10);
// An error message, with the outside text it may quote, is cut to this many bytes.
constexpr size_t kMaxErrorMessage = 1000;
// Same-origin redirects followed for one request.
constexpr int kMaxRedirects = 5;
// The whole message of the Error returned when the Sleeper was stopped (shutdown).
constexpr const char* kInterrupted = "interrupted";

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// ASCII only, whatever the process locale: these classify protocol bytes, not text.
char lower_char(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower_char(x) == lower_char(y);
         });
}

// Appends name=value to the query string, before any fragment, in place of any copy
// (a CRM that echoes the api_key into its next links; a stored token has none).
std::string with_query_param(std::string_view given, std::string_view name, std::string_view value) {
  const std::string stripped = without_query_param(given, name);
  std::string_view url = stripped;
  size_t hash = url.find('#');
  std::string_view base = url.substr(0, hash);
  std::string out(base);
  if (base.find('?') == std::string_view::npos)
    out += '?';
  else if (base.back() != '?' && base.back() != '&')
    out += '&';
  out += url_encode(name);
  out += '=';
  out += url_encode(value);
  if (hash != std::string_view::npos) out += url.substr(hash);
  return out;
}

// Sets a header, replacing an earlier one of the same (case-insensitive) name.
void put_header(Headers& headers, std::string_view name, std::string_view value) {
  for (auto& [n, v] : headers) {
    if (iequals(n, name)) {
      v = std::string(value);
      return;
    }
  }
  headers.emplace_back(std::string(name), std::string(value));
}

// CR, LF or NUL (the third character of the set).
bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n", 0, 3) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return is_alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

struct CurlSlist {
  curl_slist* list = nullptr;
  ~CurlSlist() { curl_slist_free_all(list); }
};

// Where an attempt's body goes: at most `max` bytes (after decompression), so that a
// gzip bomb costs max_response_size of memory, not what it inflates to.
struct BodySink {
  std::string* body = nullptr;
  size_t max = 0;
  bool too_big = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  if (sink->body->size() + size * n > sink->max) {
    sink->too_big = true;
    return 0;  // libcurl stops the transfer (CURLE_WRITE_ERROR)
  }
  sink->body->append(data, size * n);
  return size * n;
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<Headers*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    headers->clear();  // a new response begins (after a 100 Continue, for instance)
  } else if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    if (!headers->empty()) {  // obsolete line folding: continues the previous value
      headers->back().second += ' ';
      headers->back().second += trim_ascii_space(line);
    }
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string name(trim_ascii_space(line.substr(0, colon)));
    std::transform(name.begin(), name.end(), name.begin(), lower_char);
    headers->emplace_back(std::move(name), std::string(trim_ascii_space(line.substr(colon + 1))));
  }
  return size * n;
}

bool is_retryable_transport(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:  // includes a reset during the handshake
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

// Our own wording: curl's error buffer may quote the URL, and with it a query string.
std::string describe_transport(CURLcode code, long os_errno, Millis timeout) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      if (os_errno == ECONNREFUSED) return "connection refused";
      if (os_errno == ENETUNREACH || os_errno == EHOSTUNREACH) return "host unreachable";
      if (os_errno == ETIMEDOUT) return "connect timed out";
      return "could not connect";
    case CURLE_OPERATION_TIMEDOUT:
      return fmt::format("timed out after {} ms", timeout.count());
    case CURLE_COULDNT_RESOLVE_HOST:
      return "could not resolve host";
    case CURLE_GOT_NOTHING:
      return "empty reply from server (connection closed)";
    case CURLE_SEND_ERROR:
      return os_errno == ECONNRESET || os_errno == EPIPE ? "connection reset while sending"
                                                         : "send failed";
    case CURLE_RECV_ERROR:
      return os_errno == ECONNRESET ? "connection reset by peer" : "receive failed";
    case CURLE_PARTIAL_FILE:
      return "response cut short (connection closed mid-body)";
    case CURLE_SSL_CONNECT_ERROR:
      return "TLS handshake failed";
    case CURLE_PEER_FAILED_VERIFICATION:
      return "TLS certificate verification failed";
    case CURLE_UNSUPPORTED_PROTOCOL:
      return "unsupported protocol (http and https only)";
    case CURLE_URL_MALFORMAT:
      return "malformed URL";
    case CURLE_BAD_CONTENT_ENCODING:
      return "could not decode the response (Content-Encoding)";
    default:
      return curl_easy_strerror(code);  // static text, never the URL
  }
}

ErrorKind transport_error_kind(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:  // the operator must fix the CA or the URL
      return ErrorKind::config;
    default:
      return ErrorKind::transient;
  }
}

// A request ready for libcurl: auth applied, headers merged and validated.
struct PreparedRequest {
  std::string method;
  std::string url;          // as sent (with an api_key query parameter, if any)
  std::string given_url;    // as the caller gave it: HttpResponse::url
  std::string message_url;  // for errors: no query, no user-info
  std::vector<std::string> header_lines;
  const std::string* basic_user = nullptr;  // HTTP Basic, written by libcurl
  const std::string* basic_password = nullptr;
  const std::string* body = nullptr;
  RateLimiter* bucket = nullptr;  // the request's extra bucket, if any
  const std::function<bool(const HttpResponse&)>* final_answer = nullptr;
};

// "GET http://host/path" + ": connection refused (after 5 attempts)", same kind.
Error with_context(Error error, std::string_view context) {
  error.message = fmt::format("{}: {}", context, error.message);
  return error;
}

struct AttemptResult {
  CURLcode code = CURLE_OK;
  long os_errno = 0;
  bool too_big = false;  // the answer passed max_response_size
  HttpResponse response;
};

}  // namespace

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return {};
}

struct HttpClient::Impl {
  Impl(HttpClientOptions o, AuthConfig a, std::shared_ptr<RateLimiter> l, Sleeper& s,
       const Clock& c)
      : options(std::move(o)),
        auth(std::move(a)),
        limiter(std::move(l)),
        sleeper(s),
        clock(c),
        rng(std::random_device{}()) {
    init_curl_once();
    curl = curl_easy_init();
    if (!options.base_url.empty()) {
      trusted.add(options.base_url);
      if (!auth.token_url().empty()) trusted.add(auth.token_url());
    }
  }
  ~Impl() {
    if (curl) curl_easy_cleanup(curl);
  }

  Result<HttpResponse> send(const HttpRequest& request);
  Status fetch_token();
  Result<PreparedRequest> prepare(const HttpRequest& request, bool with_auth,
                                  bool with_defaults) const;
  Result<HttpResponse> execute(const PreparedRequest& request);
  AttemptResult perform(const PreparedRequest& request);
  Error redacted(Error e) const;
  Status check_origin(const PreparedRequest& request) const;

  HttpClientOptions options;
  RequestAuth auth;
  std::shared_ptr<RateLimiter> limiter;
  std::map<std::string, std::shared_ptr<RateLimiter>> buckets;  // add_bucket()
  Sleeper& sleeper;
  const Clock& clock;
  CURL* curl =
      nullptr;  // one handle for the client's life: its connection cache keeps connections alive
  HttpStats stats;
  std::mt19937_64 rng;
  TrustedOrigins trusted;  // where credentials may go; empty: no base_url, no check
};

Result<PreparedRequest> HttpClient::Impl::prepare(const HttpRequest& request, bool with_auth,
                                                  bool with_defaults) const {
  PreparedRequest out;
  out.method = request.method.empty() ? "GET" : request.method;
  out.url = request.url;
  out.given_url = request.url;
  out.message_url = url_for_message(request.url);
  out.body = &request.body;
  out.final_answer = &request.final_answer;
  if (!request.bucket.empty()) {
    auto it = buckets.find(request.bucket);
    if (it == buckets.end())
      return Error::internal(fmt::format("{}: no rate-limit bucket '{}'", out.message_url, request.bucket));
    out.bucket = it->second.get();
  }
  if (!is_token(out.method))
    return Error::config(fmt::format("{}: invalid HTTP method", out.message_url));

  // Precedence: the source's default headers, then authentication, then the request's own.
  Headers headers;
  if (with_defaults)
    for (const auto& [n, v] : options.default_headers) put_header(headers, n, v);
  if (with_auth) {
    auto applied = auth.apply();
    if (!applied) return applied.error();
    if (applied->header) put_header(headers, applied->header->first, applied->header->second);
    if (applied->query) out.url = with_query_param(request.url, applied->query->first, applied->query->second);
    out.basic_user = applied->basic_user;
    out.basic_password = applied->basic_password;
  }
  for (const auto& [n, v] : request.headers) put_header(headers, n, v);

  bool has_expect = false;
  for (const auto& [n, v] : headers) {
    // A line break would let a value (say, a secret read from a file with a stray
    // newline) inject headers. Only the name goes into the message, never the value.
    if (!is_token(n) || has_line_break(v))
      return Error::config(fmt::format("{} {}: invalid header '{}' (line break or bad name)",
                                       out.method, out.message_url, has_line_break(n) ? "?" : n));
    has_expect = has_expect || iequals(n, "Expect");
    // "Name;" is libcurl's way to send a header with an empty value ("Name:" removes it).
    out.header_lines.push_back(v.empty() ? n + ";" : n + ": " + v);
  }
  // No "Expect: 100-continue" on large bodies: some servers never answer it and each
  // request would stall for a second.
  if (!has_expect) out.header_lines.emplace_back("Expect:");
  return out;
}

AttemptResult HttpClient::Impl::perform(const PreparedRequest& request) {
  AttemptResult out;
  // Reset clears every option of the previous request (a POST body must not leak into
  // the next GET) but keeps the connection cache, DNS cache and TLS sessions.
  curl_easy_reset(curl);
  CurlSlist header_list;
  for (const auto& line : request.header_lines) {
    curl_slist* next = curl_slist_append(header_list.list, line.c_str());
    if (!next) {
      out.code = CURLE_OUT_OF_MEMORY;
      return out;
    }
    header_list.list = next;
  }
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // libcurl follows no redirect: one to another host would carry the Authorization
  // header (or an api_key) there. send() follows same-origin ones itself.
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are threaded
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // everything libcurl can decode
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  Millis connect_timeout = kMaxConnectTimeout;
  if (options.timeout.count() > 0) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    connect_timeout = std::min<Millis>(options.timeout, kMaxConnectTimeout);
  }
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  bool verify = !options.insecure_skip_verify;
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
  if (!options.user_agent.empty())
    curl_easy_setopt(curl, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.list);
  if (request.basic_user != nullptr) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.basic_user->c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.basic_password->c_str());
  }

  const std::string& body = *request.body;
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET" && body.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    if (request.method == "POST" || !body.empty()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    }
    if (request.method != "POST")
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  out.response.url = request.given_url;  // not CURLINFO_EFFECTIVE_URL: that one has the api_key
  BodySink sink{&out.response.body, static_cast<size_t>(std::max<int64_t>(0, options.max_response_size))};
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out.response.headers);

  // A shutdown abandons a request in flight (a CRM that hangs must not hold SIGTERM up
  // for a whole timeout); libcurl calls this about once a second and on every transfer.
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &sleeper);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION,
                   +[](void* p, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
                     return static_cast<const Sleeper*>(p)->stopped() ? 1 : 0;
                   });
  out.code = curl_easy_perform(curl);
  out.too_big = sink.too_big;
  if (out.code != CURLE_OK)
    curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &out.os_errno);
  else
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.response.status);
  curl_easy_reset(curl);  // leave no pointer into this attempt's header list, body or response
  return out;
}

// The retry loop. The Error it returns carries only the failure ("connection refused
// (after 5 attempts)"): callers say what was being done.
Result<HttpResponse> HttpClient::Impl::execute(const PreparedRequest& request) {
  const int max_attempts = std::max(1, options.max_attempts);
  std::optional<HttpResponse> last_response;
  for (int attempt = 1;; ++attempt) {
    if (limiter && !limiter->acquire(sleeper)) return Error::interrupted(kInterrupted);
    if (request.bucket && !request.bucket->acquire(sleeper)) return Error::interrupted(kInterrupted);
    ++stats.requests;
    AttemptResult result = perform(request);
    if (result.code == CURLE_ABORTED_BY_CALLBACK) return Error::interrupted(kInterrupted);
    if (options.on_attempt) options.on_attempt(result.code == CURLE_OK ? result.response.status : 0);
    if (result.too_big)  // the same answer again would be as large: not retried
      return Error::config(fmt::format("answer larger than max_response_size ({} bytes after decompression)",
                                       options.max_response_size));
    const bool last = attempt >= max_attempts;
    Millis wait{0};
    if (result.code == CURLE_OK) {
      std::optional<Millis> retry_after;
      if (auto value = result.response.header("retry-after"); !value.empty())
        retry_after = parse_retry_after(value, clock.now());
      // Kept on the answer: the connector's Error carries it to the scheduler (next_due).
      if (retry_after) result.response.retry_after_s = static_cast<double>(retry_after->count()) / 1000.0;
      if (!is_retryable_status(result.response.status) || last) return std::move(result.response);
      if (request.final_answer && *request.final_answer && (*request.final_answer)(result.response))
        return std::move(result.response);
      if (retry_after && *retry_after > options.retry_after_max) {
        // Waiting that long would stall the source: hand back the server's answer so
        // that the run fails with its message and the scheduler waits instead.
        return std::move(result.response);
      }
      wait = retry_after
                 ? *retry_after
                 : jittered(backoff_delay(attempt, options.backoff_base, options.backoff_max), rng);
      last_response = std::move(result.response);
    } else {
      if (!is_retryable_transport(result.code) || last) {
        if (last_response) return std::move(*last_response);  // the vendor's 503 says more
        std::string message = describe_transport(result.code, result.os_errno, options.timeout);
        if (attempt > 1) message += fmt::format(" (after {} attempts)", attempt);
        Error error = Error::transient(std::move(message));
        error.kind = transport_error_kind(result.code);
        return error;
      }
      wait = jittered(backoff_delay(attempt, options.backoff_base, options.backoff_max), rng);
    }
    ++stats.retries;
    if (options.on_retry) options.on_retry();
    if (wait.count() > 0 && !sleeper.sleep_for(wait)) return Error::interrupted(kInterrupted);
  }
}

Status HttpClient::Impl::fetch_token() {
  ++stats.token_refreshes;
  auto request = auth.token_request();
  if (!request) return request.error();
  // The token endpoint is another service: no source headers, no credentials but the form's.
  auto prepared = prepare(*request, /*with_auth=*/false, /*with_defaults=*/false);
  if (!prepared) return prepared.error();
  const TimePoint sent_at = clock.now();  // the lifetime counts from the request, to be safe
  auto response = execute(*prepared);
  if (!response) {
    if (response.error().kind == ErrorKind::interrupted) return response.error();
    return with_context(response.error(), auth.token_failure_prefix());
  }
  auto token = auth.read_token_answer(*response);
  if (!token) return token.error();
  if (!token->instance_url.empty() && !trusted.empty()) {
    // Salesforce names the org's API host here: credentials may go there, but not over
    // plain HTTP when the token came over HTTPS.
    auto origin = origin_of(token->instance_url);
    auto token_origin = origin_of(auth.token_url());
    if (!origin || (token_origin && token_origin->starts_with("https:") && origin->starts_with("http:")))
      return Error::config(fmt::format("{}: the answer's instance_url {} is not an https URL like the token endpoint {}",
                                       auth.token_failure_prefix(), origin.value_or("(unreadable)"),
                                       token_origin.value_or(url_for_message(auth.token_url()))));
    trusted.add(token->instance_url);
  }
  auth.keep_token(*token, sent_at, std::move(response->body));
  return {};
}

// A request (a next link, a Link header) to an origin the credentials do not belong to
// fails before anything is sent.
Status HttpClient::Impl::check_origin(const PreparedRequest& request) const {
  if (trusted.empty()) return {};
  auto origin = origin_of(request.url);
  if (origin && trusted.contains(*origin)) return {};
  const std::string& home = trusted.home();
  std::string target = origin.value_or("(not an http or https URL)");
  auto host = [](std::string_view o) { return o.substr(o.find("://") + 3, o.rfind(':') - o.find("://") - 3); };
  bool downgrade = origin && home.starts_with("https:") && origin->starts_with("http:") && host(home) == host(*origin);
  return Error::config(fmt::format("{} {}: {} is not the source's origin {}{}: refusing to send the credentials there",
                                   request.method, request.message_url, target, home,
                                   downgrade ? " (https -> http downgrade)" : ""));
}

Result<HttpResponse> HttpClient::Impl::send(const HttpRequest& request) {
  if (!curl) return Error::internal("http: curl_easy_init failed");
  const bool oauth = auth.uses_token();
  const std::string& query_key = auth.query_key();
  std::optional<HttpRequest> hop;  // where a same-origin redirect leads
  const HttpRequest* current = &request;
  bool refreshed = false;
  for (int redirects = 0;;) {
    if (auth.needs_token(clock.now())) {
      if (auto status = fetch_token(); !status) return status.error();
    }
    auto prepared = prepare(*current, /*with_auth=*/true, /*with_defaults=*/true);
    if (!prepared) return prepared.error();
    if (auto ok = check_origin(*prepared); !ok) return ok.error();
    auto response = execute(*prepared);
    if (!response) {
      if (response.error().kind == ErrorKind::interrupted) return response.error();
      return with_context(response.error(),
                          fmt::format("{} {}", prepared->method, prepared->message_url));
    }
    // A 401 with a cached token usually means it was revoked or expired early: fetch a
    // new one and try once more. A second 401 is the caller's to report.
    if (oauth && response->status == 401 && !refreshed) {
      refreshed = true;
      auth.invalidate_token();
      continue;
    }
    std::string_view location = response->header("location");
    if (is_redirect(response->status) && !location.empty() &&
        (prepared->method == "GET" || prepared->method == "HEAD")) {
      if (++redirects > kMaxRedirects)
        return Error::transient(fmt::format("{} {}: more than {} redirects", prepared->method,
                                            prepared->message_url, kMaxRedirects));
      auto target = resolve_url(prepared->given_url, location);
      if (!target)
        return Error::config(fmt::format("{} {}: HTTP {} to an unreadable Location", prepared->method,
                                         prepared->message_url, response->status));
      auto from = origin_of(prepared->url);
      auto to = origin_of(*target);
      const bool same = to && (trusted.empty() ? to == from : trusted.contains(*to));
      if (!same)
        return Error::config(fmt::format(
            "{} {}: HTTP {} redirect to {}, not the source's origin {}: not followed (it would carry the "
            "credentials there)",
            prepared->method, prepared->message_url, response->status, to.value_or("(not an http or https URL)"),
            trusted.empty() ? from.value_or("?") : trusted.home()));
      if (!hop) hop = request;
      hop->url = query_key.empty() ? *target : without_query_param(*target, query_key);
      current = &*hop;
      continue;
    }
    // An error body may echo what we sent: it leaves the client without our credentials.
    if (response->status < 200 || response->status > 299) response->body = auth.redactor().redact(response->body);
    return response;
  }
}

Error HttpClient::Impl::redacted(Error e) const {
  e.message = auth.redactor().outside_text(e.message, kMaxErrorMessage);
  return e;
}

HttpClient::HttpClient(HttpClientOptions options, AuthConfig auth,
                       std::shared_ptr<RateLimiter> limiter, Sleeper& sleeper, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(auth), std::move(limiter), sleeper,
                                   clock)) {}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::send(const HttpRequest& request) {
  auto result = impl_->send(request);
  // Belt and braces: messages are built without values, and a vendor's error text is
  // scrubbed of every credential we hold in case it echoes one.
  if (!result) return impl_->redacted(std::move(result.error()));
  return result;
}

Result<HttpResponse> HttpClient::get(const std::string& url, const Headers& headers) {
  return send(HttpRequest{"GET", url, headers, {}});
}

const std::string& HttpClient::last_token_response() const { return impl_->auth.last_token_response(); }

void HttpClient::invalidate_token() { impl_->auth.invalidate_token(); }

void HttpClient::add_bucket(const std::string& name, double per_second) {
  impl_->buckets[name] = impl_->options.shared_bucket ? impl_->options.shared_bucket(name, per_second)
                                                      : std::make_shared<RateLimiter>(per_second, 1.0, impl_->clock);
}

const Redactor& HttpClient::redactor() const { return impl_->auth.redactor(); }

std::string HttpClient::without_credentials(std::string_view page_token) const {
  const Redactor& r = impl_->auth.redactor();
  const std::string& key_name = impl_->auth.query_key();
  const std::string encoded_name = url_encode(key_name);
  return without_query_params(page_token, [&](std::string_view name, std::string_view value) {
    return (!key_name.empty() && (name == key_name || name == encoded_name)) || r.finds_secret(value);
  });
}

void HttpClient::set_default_auth_scheme(std::string scheme) { impl_->auth.set_default_scheme(std::move(scheme)); }

const HttpStats& HttpClient::stats() const { return impl_->stats; }

}  // namespace crm
