// WebhookSender: the fake CRM's outgoing webhooks (README.md "Webhooks"). The Dataset
// reports every change to it; while a webhook is configured the changes queue (at most
// kMaxPending; the rest are dropped and counted), and one background thread delivers them
// through libcurl, one request in flight at a time, batched, shaped and authenticated as
// the configured vendor does (WebhookPayloads). A control request never waits for a
// delivery. No retries: a failed delivery is counted and gone.
//
// It records, for the bench, the wall clock of the last change and of the last request
// sent, and counts requests answered 2xx (sent), not answered or answered otherwise
// (failed), and changes dropped from a full queue.
//
// Thread-safe: one mutex guards the configuration, queue and counters. The Dataset calls
// room() and changed() under its own lock; the delivery thread never holds the mutex
// while it renders (which reads the Dataset) or sends. Owned by FakeServer; the Clock must
// outlive it; the destructor aborts a delivery in flight and joins the thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/time.h"
#include "fake/dataset.h"
#include "fake/webhook_config.h"
#include "fake/webhook_payloads.h"

namespace crm::fake {

class WebhookSender final : public ChangeSink {
 public:
  static constexpr size_t kMaxPending = 1000;

  // `context` is handed to every configuration's payloads (Zoho's resource_uri, Pipedrive's
  // organizations); its base_url is read when configure() is called.
  WebhookSender(std::function<WebhookContext()> context, const Clock& clock);
  ~WebhookSender() override;
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Sends every later change to `config`, replacing an earlier configuration; the queue
  // and the counters start afresh.
  void configure(WebhookConfig config);
  // No more webhooks: the queue is emptied; the counters stay readable.
  void stop();
  // As at start: nothing configured, counters zero.
  void reset();
  // {"configured","dialect","url","pending","sent","failed","dropped","last_status",
  //  "last_change_ms","last_sent_ms"}; unknown values are null.
  std::string status_json() const;

  size_t room() const override;
  void changed(std::vector<RecordChange> changes, uint64_t left_out) override;

 private:
  struct Counters {
    uint64_t sent = 0, failed = 0, dropped = 0;
    std::optional<int64_t> last_status;  // 0: no answer (refused, timed out, aborted)
    std::optional<int64_t> last_change_ms, last_sent_ms;
  };
  struct Curl;
  void run();
  // One POST; the HTTP status, 0 when there was no answer. Gives up early when the
  // configuration of `generation` is replaced or the sender stops.
  long post(const WebhookConfig& config, const WebhookRequest& request, Millis timeout, uint64_t generation);

  const std::function<WebhookContext()> context_;
  const Clock& clock_;
  std::unique_ptr<Curl> curl_;  // the delivery thread's connection

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::shared_ptr<WebhookPayloads> payloads_;  // null: not configured
  std::deque<RecordChange> pending_;
  Counters counters_;
  // Written under mu_, read by the transfer's progress callback without it: configure,
  // stop and reset bump the generation (a delivery of an older one is abandoned and not
  // counted); the destructor sets stopping_.
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace crm::fake
