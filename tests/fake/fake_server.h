// FakeServer: the fake CRM as one request handler. Owns the Dataset, the fault queue,
// the stats and the dialects, and applies the policy every dialect shares, in order:
// /_control/ routes (no auth) → API key / bearer check (401) → rate limit (429) →
// routing (404, 405) → the head fault of the queue on list requests → the dialect.
//
// Every change the Dataset takes goes to its WebhookSender, which posts the configured
// vendor's webhook (POST /_control/webhook).
//
// Thread-safe: handle() is called concurrently from HttpServer's pool threads. Outlives
// the HttpServer that calls it (main declares it first).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "core/time.h"
#include "fake/control_api.h"
#include "fake/change_tracking.h"
#include "fake/dataset.h"
#include "fake/dialect.h"
#include "fake/pipedrive_dialect.h"
#include "fake/faults.h"
#include "fake/rest_dialect.h"
#include "fake/stats.h"
#include "fake/suitecrm_dialect.h"
#include "fake/token_issuer.h"
#include "fake/webhook_sender.h"

namespace crm::fake {

struct FakeConfig {
  uint64_t records = 1000;
  uint64_t seed = 1;
  RestOptions rest;
  std::string api_key;    // non-empty: X-Api-Key required
  std::string bearer;     // non-empty: Authorization: Bearer required
  double rate_limit = 0;  // requests per second, burst of the same size; 0: off
  std::vector<std::string> dynamics_untracked;  // Dataverse sets without change tracking
  SuiteOptions suitecrm;
};

class FakeServer {
 public:
  FakeServer(FakeConfig config, const Clock& clock);
  ~FakeServer();

  ServerResponse handle(const ServerRequest& req);
  // Once the port is known: the root that next links point at.
  void set_base_url(std::string url) { base_.set(std::move(url)); }
  // Wakes requests sleeping in a "slow" fault; call before stopping the server.
  void shutdown() { faults_.shutdown(); }

  Dataset& dataset() { return data_; }
  TokenIssuer& tokens() { return tokens_; }

 private:
  class RateLimiter;
  ServerResponse dispatch(const ServerRequest& req);
  WebhookContext webhook_context() const;
  void reset();

  const FakeConfig config_;
  BaseUrl base_;
  Dataset data_;
  TokenIssuer tokens_;
  ChangeTracking tracking_;
  FaultQueue faults_;
  Stats stats_;
  std::unique_ptr<RateLimiter> limiter_;
  std::vector<std::unique_ptr<Dialect>> dialects_;
  const RestDialect* rest_ = nullptr;  // dialects_.front(): the `duplicate` and `empty` faults bend its pages
  const PipedriveDialect* pipedrive_ = nullptr;  // Pipedrive webhooks name a person's organization
  ControlApi control_;
  std::atomic<uint64_t> fault_salt_{0};
  // Last: destroyed first, so that its delivery thread stops before the dialects it reads go.
  WebhookSender webhooks_;
};

}  // namespace crm::fake
