#include "fake/webhook_sender.h"

#include <curl/curl.h>

#include <iterator>
#include <vector>

#include "core/json_writer.h"

namespace crm::fake {
namespace {

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

struct Transfer {
  const std::atomic<uint64_t>* generation;
  const std::atomic<bool>* stopping;
  uint64_t mine;
};

// libcurl calls this about once a second even while it waits: non-zero aborts.
int progress(void* data, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* t = static_cast<const Transfer*>(data);
  return t->stopping->load() || t->generation->load() != t->mine ? 1 : 0;
}

void optional_field(JsonWriter& w, std::string_view key, const std::optional<int64_t>& v) {
  w.key(key);
  v ? w.value(*v) : w.null();
}

}  // namespace

// One easy handle for the delivery thread: libcurl keeps its connections for reuse, as a
// vendor's sender keeps its connection to a receiver alive.
struct WebhookSender::Curl {
  CURL* easy = curl_easy_init();
  ~Curl() { curl_easy_cleanup(easy); }
};

WebhookSender::WebhookSender(std::function<WebhookContext()> context, const Clock& clock)
    : context_(std::move(context)), clock_(clock) {
  curl_global_init(CURL_GLOBAL_DEFAULT);  // reference counted; the daemon's client may have done it too
  curl_ = std::make_unique<Curl>();
  thread_ = std::thread([this] { run(); });
}

WebhookSender::~WebhookSender() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  curl_.reset();
  curl_global_cleanup();
}

void WebhookSender::configure(WebhookConfig config) {
  auto payloads = std::make_shared<WebhookPayloads>(std::move(config), context_());
  std::lock_guard lock(mu_);
  ++generation_;
  payloads_ = std::move(payloads);
  pending_.clear();
  counters_ = {};
}

void WebhookSender::stop() {
  std::lock_guard lock(mu_);
  ++generation_;
  payloads_.reset();
  pending_.clear();
}

void WebhookSender::reset() {
  std::lock_guard lock(mu_);
  ++generation_;
  payloads_.reset();
  pending_.clear();
  counters_ = {};
}

size_t WebhookSender::room() const {
  std::lock_guard lock(mu_);
  return payloads_ ? kMaxPending - pending_.size() : 0;
}

void WebhookSender::changed(std::vector<RecordChange> changes, uint64_t left_out) {
  const int64_t now = to_ms(clock_.now());
  {
    std::lock_guard lock(mu_);
    if (!payloads_) return;  // nothing configured: no CRM would send anything
    counters_.last_change_ms = now;
    for (RecordChange& c : changes) {
      if (pending_.size() < kMaxPending)
        pending_.push_back(std::move(c));
      else
        ++counters_.dropped;
    }
    counters_.dropped += left_out;
  }
  wake_.notify_one();
}

std::string WebhookSender::status_json() const {
  std::lock_guard lock(mu_);
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("configured", payloads_ != nullptr).key("dialect");
  payloads_ ? w.value(to_string(payloads_->config().dialect)) : w.null();
  w.key("url");
  payloads_ ? w.value(payloads_->config().url) : w.null();
  w.field("pending", static_cast<int64_t>(pending_.size()));
  w.field("sent", static_cast<int64_t>(counters_.sent)).field("failed", static_cast<int64_t>(counters_.failed));
  w.field("dropped", static_cast<int64_t>(counters_.dropped));
  optional_field(w, "last_status", counters_.last_status);
  optional_field(w, "last_change_ms", counters_.last_change_ms);
  optional_field(w, "last_sent_ms", counters_.last_sent_ms);
  w.end_object();
  return out;
}

void WebhookSender::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || (payloads_ && !pending_.empty()); });
    if (stopping_) return;
    std::shared_ptr<WebhookPayloads> payloads = payloads_;
    const uint64_t generation = generation_;
    const size_t n = payloads->batch(pending_);
    std::vector<RecordChange> batch(std::make_move_iterator(pending_.begin()),
                                    std::make_move_iterator(pending_.begin() + static_cast<std::ptrdiff_t>(n)));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    lock.unlock();
    const int64_t sent_at = to_ms(clock_.now());
    std::optional<WebhookRequest> request = payloads->render(batch, sent_at);
    long status = request ? post(payloads->config(), *request, payloads->timeout(), generation) : 0;
    lock.lock();
    if (!request || generation_ != generation) continue;  // nothing to send, or no longer wanted
    counters_.last_sent_ms = sent_at;
    counters_.last_status = status;
    ++(status >= 200 && status < 300 ? counters_.sent : counters_.failed);
  }
}

long WebhookSender::post(const WebhookConfig& config, const WebhookRequest& request, Millis timeout,
                         uint64_t generation) {
  CURL* h = curl_->easy;
  curl_easy_reset(h);  // options only: the connection cache stays
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip for large bodies
  Transfer transfer{&generation_, &stopping_, generation};
  curl_easy_setopt(h, CURLOPT_URL, config.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discard);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &transfer);
  long status = 0;
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  return status;
}

}  // namespace crm::fake
