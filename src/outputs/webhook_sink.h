// WebhookSink: one Standard Webhooks 1.0 POST per event (platform.md "Events out"):
// webhook-id, webhook-timestamp, webhook-signature, Content-Type: application/json.
// Any 2xx is taken; any other status, a redirect (never followed) or a timeout is not.
// One libcurl handle, kept for its connection; used by one delivery thread.
#pragma once

#include <memory>

#include "config/config.h"
#include "core/redact.h"
#include "core/time.h"
#include "outputs/output_sink.h"

namespace crm {

class WebhookSink : public OutputSink {
 public:
  WebhookSink(const WebhookConfig& config, const Clock& clock);
  ~WebhookSink() override;
  Status deliver(std::span<const OutgoingEvent> events, const std::atomic<bool>& stop) override;

 private:
  Status post(const OutgoingEvent& event, const std::atomic<bool>& stop);

  WebhookConfig config_;
  const Clock& clock_;
  Redactor redactor_;
  struct Curl;
  std::unique_ptr<Curl> curl_;
};

}  // namespace crm
