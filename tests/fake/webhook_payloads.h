// WebhookPayloads: the requests one vendor's CRM sends for the changes the fake's data
// took (README.md "Webhooks"): how many pending changes one request carries (HubSpot: up
// to 100 events in one array; Zoho: one notification per module and operation with up to
// 100 ids; rest: up to 100 ids; the others one request per record), the body in the
// vendor's own format and the headers that authenticate it.
//
// Owned by WebhookSender's delivery thread; not thread-safe (it numbers the events it
// renders). The pipedrive_org function of its context reads the Dataset.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"
#include "fake/dataset.h"
#include "fake/webhook_config.h"

namespace crm::fake {

struct WebhookRequest {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type and User-Agent included
};

// What payloads need from the rest of the fake.
struct WebhookContext {
  std::string base_url;  // the fake's root: Zoho's resource_uri points at it
  std::function<uint64_t(const FakeRecord&)> pipedrive_org;  // a person's organization id, 0: none
};

class WebhookPayloads {
 public:
  WebhookPayloads(WebhookConfig config, WebhookContext context);

  // How many of the pending changes (front first; at least 1 when any are pending) the
  // next request covers.
  size_t batch(const std::deque<RecordChange>& pending) const;
  // The request for those changes, signed for `now_ms`; nullopt when the vendor sends
  // nothing for them (a Salesforce deletion, a HubSpot touch that changed no property).
  std::optional<WebhookRequest> render(std::span<const RecordChange> changes, int64_t now_ms);
  // How long the vendor waits for an answer before it counts the delivery as failed.
  Millis timeout() const;
  const WebhookConfig& config() const { return config_; }

 private:
  std::optional<WebhookRequest> hubspot(std::span<const RecordChange> changes, int64_t now_ms);
  WebhookRequest pipedrive(const RecordChange& c);
  WebhookRequest dynamics(const RecordChange& c);
  WebhookRequest zoho(std::span<const RecordChange> changes, int64_t now_ms) const;
  WebhookRequest rest(std::span<const RecordChange> changes) const;
  std::optional<WebhookRequest> salesforce(const RecordChange& c) const;
  WebhookRequest odoo(const RecordChange& c) const;
  WebhookRequest suitecrm(const RecordChange& c) const;

  const WebhookConfig config_;
  const WebhookContext context_;
  uint64_t sequence_ = 0;  // numbers HubSpot eventIds, Pipedrive and Dataverse ids
};

}  // namespace crm::fake
