// SourceContext: what running one source needs, built from its config: the HTTP client
// (with its rate-limit bucket) and the connector from the registry.
// Owned by whoever runs the source; used by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "core/metrics.h"
#include "connectors/registry.h"
#include "http/http_client.h"
#include "http/rate_limiter.h"

namespace crm {

struct SourceContext {
  SourceConfig config;
  const ConnectorType* type = nullptr;
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<Connector> connector;  // refers to config and *http
};

// `max_attempts` of each request (HttpClientOptions): a live read makes one, a sync retries.
// With `metrics`, every request is counted (crm_index_http_requests_total{source,code},
// _retries_total, _throttled_total).
Result<std::unique_ptr<SourceContext>> make_source_context(const SourceConfig& source,
                                                           RateLimiters& limiters,
                                                           Sleeper& sleeper, const Clock& clock,
                                                           int max_attempts = HttpClientOptions{}.max_attempts,
                                                           Metrics* metrics = nullptr);

}  // namespace crm
