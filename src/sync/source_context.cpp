#include "sync/source_context.h"

#include <fmt/format.h>

#include "core/log.h"
#include "sync/secret_guard.h"

namespace crm {

Result<std::unique_ptr<SourceContext>> make_source_context(const SourceConfig& source,
                                                           RateLimiters& limiters,
                                                           Sleeper& sleeper, const Clock& clock,
                                                           int max_attempts, Metrics* metrics) {
  auto ctx = std::make_unique<SourceContext>();
  ctx->config = source;
  ctx->type = find_connector_type(source.type);
  if (!ctx->type) return Error::config(fmt::format("source '{}': unknown type '{}'", source.name, source.type));
  const auto& s = ctx->config.settings;
  HttpClientOptions options;
  options.timeout = s.timeout;
  options.insecure_skip_verify = s.insecure_skip_verify;
  options.default_headers = ctx->config.headers;
  options.base_url = ctx->config.base_url;
  options.max_response_size = s.max_response_size;
  options.max_attempts = max_attempts;
  if (metrics) {
    // Every request the source sends, whatever asked for it (a sync, a live read, check).
    options.on_attempt = [metrics, name = source.name](long status) {
      metrics->counter_add("crm_index_http_requests_total",
                           {{"source", name}, {"code", status ? std::to_string(status) : "error"}});
      if (status == 429) metrics->counter_add("crm_index_http_throttled_total", {{"source", name}});
    };
    options.on_retry = [metrics, name = source.name] {
      metrics->counter_add("crm_index_http_retries_total", {{"source", name}});
    };
  }
  if (s.insecure_skip_verify)
    log_warn("source={} msg=\"TLS certificate verification is OFF (insecure_skip_verify: true)\"", source.name);
  std::string bucket = s.quota_group.empty() ? "source:" + source.name : "group:" + s.quota_group;
  // A connector's endpoint buckets (HubSpot search) belong to the group too: the vendor
  // counts them per portal or organisation, not per source. `limiters` outlives the client.
  options.shared_bucket = [&limiters, bucket](const std::string& name, double per_second) {
    return limiters.get(bucket + "/" + name, per_second);
  };
  ctx->http = std::make_unique<HttpClient>(options, ctx->config.auth,
                                           limiters.get(bucket, s.rate_limit.per_second), sleeper, clock);
  ctx->connector = ctx->type->make(ctx->config, *ctx->http);
  if (ctx->connector) ctx->connector = guard_secrets(std::move(ctx->connector), *ctx->http, source.name);
  if (!ctx->connector) return Error::config(fmt::format("source '{}': cannot build a {} connector", source.name, source.type));
  return ctx;
}

}  // namespace crm
