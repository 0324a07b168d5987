// ControlApi: the /_control/ routes through which tests look behind the fake CRM's back
// and steer it (README.md, "Control API"): the truth (every live record, streamed as
// JSON Lines), request statistics, single-record create/update/delete, bulk mutations,
// fault injection and reset. No authentication, never rate-limited, never faulted, not
// counted in the stats. Also configures the webhooks the fake sends on change.
//
// Thread-safe: it holds no state of its own; Dataset, FaultQueue, Stats and WebhookSender lock. The
// references must outlive it (FakeServer owns all of them).
#pragma once

#include <functional>
#include <string>

#include "api/http_server.h"
#include "fake/change_tracking.h"
#include "fake/dataset.h"
#include "fake/faults.h"
#include "fake/stats.h"
#include "fake/token_issuer.h"
#include "fake/webhook_sender.h"

namespace crm::fake {

inline constexpr std::string_view kControlPrefix = "/_control/";

class ControlApi {
 public:
  ControlApi(Dataset& data, FaultQueue& faults, Stats& stats, TokenIssuer& tokens, ChangeTracking& tracking,
             WebhookSender& webhooks, std::function<void()> on_reset);
  ServerResponse handle(const ServerRequest& req) const;

  // One record as the truth dump writes it (UTC, "Z"), without the newline.
  static void append_truth(std::string& out, const FakeRecord& r);

 private:
  ServerResponse truth() const;
  ServerResponse stats() const;
  ServerResponse records(const ServerRequest& req, std::string_view rest) const;
  ServerResponse mutate(const ServerRequest& req) const;
  ServerResponse faults(const ServerRequest& req) const;
  ServerResponse webhook(const ServerRequest& req) const;

  Dataset& data_;
  FaultQueue& faults_;
  Stats& stats_;
  TokenIssuer& tokens_;
  ChangeTracking& tracking_;
  WebhookSender& webhooks_;
  std::function<void()> on_reset_;
};

}  // namespace crm::fake
