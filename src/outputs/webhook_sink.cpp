#include "outputs/webhook_sink.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <string>

#include "http/origin.h"
#include "outputs/webhook_signature.h"

namespace crm {
namespace {

// What is kept of an answer's body: enough for last_error, never the whole of it.
constexpr size_t kKeptBody = 1024;

struct Answer {
  std::string head_of_body;
};

size_t keep_head(char* data, size_t size, size_t n, void* user) {
  auto* a = static_cast<Answer*>(user);
  const size_t len = size * n;
  if (a->head_of_body.size() < kKeptBody)
    a->head_of_body.append(data, std::min(len, kKeptBody - a->head_of_body.size()));
  return len;
}

int abort_on_stop(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;
}

}  // namespace

struct WebhookSink::Curl {
  CURL* handle = curl_easy_init();
  ~Curl() { curl_easy_cleanup(handle); }
};

WebhookSink::WebhookSink(const WebhookConfig& config, const Clock& clock)
    : config_(config), clock_(clock), curl_(std::make_unique<Curl>()) {
  // An endpoint that echoes what it got must not put the key into last_error.
  redactor_.add(config_.key.reveal());
}

WebhookSink::~WebhookSink() = default;

Status WebhookSink::deliver(std::span<const OutgoingEvent> events, const std::atomic<bool>& stop) {
  for (const OutgoingEvent& e : events)  // one POST per event: max_batch() is 1
    if (auto st = post(e, stop); !st) return st;
  return {};
}

Status WebhookSink::post(const OutgoingEvent& event, const std::atomic<bool>& stop) {
  CURL* h = curl_->handle;
  if (h == nullptr) return Error::internal("webhook: cannot make a libcurl handle");
  const int64_t timestamp = to_ms(clock_.now()) / 1000;
  const std::string headers_text[] = {
      "Content-Type: application/json",
      "webhook-id: " + event.id,
      "webhook-timestamp: " + std::to_string(timestamp),
      "webhook-signature: " + sign_webhook(config_.key.reveal(), event.id, timestamp, event.body),
      "Expect:",  // no 100-continue round trip for a small body
  };
  curl_slist* headers = nullptr;
  for (const auto& line : headers_text) headers = curl_slist_append(headers, line.c_str());

  Answer answer;
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, config_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.timeout.count()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, event.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(event.body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_head);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, abort_on_stop);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &stop);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "crm-index webhooks");
  const CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);

  const std::string where = url_for_message(config_.url);
  if (rc == CURLE_ABORTED_BY_CALLBACK) return Error::interrupted(fmt::format("POST {}: stopped", where));
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return Error::transient(fmt::format("POST {}: no answer within {}s", where, config_.timeout.count() / 1000.0));
  if (rc != CURLE_OK) return Error::transient(fmt::format("POST {}: {}", where, curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) return {};
  if (status >= 300 && status < 400)
    return Error::transient(fmt::format("POST {}: HTTP {} (redirects are not followed)", where, status));
  std::string body = redactor_.outside_text(answer.head_of_body, 200);
  return Error::transient(
      fmt::format("POST {}: HTTP {}{}{}", where, status, body.empty() ? "" : ": ", body));
}

}  // namespace crm
