#include "hints/hints_server.h"

#include <fmt/format.h>

#include "core/log.h"
#include "hints/hint_check.h"

namespace crm {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kPrefix = "/hooks/";
constexpr Millis kWarnEvery = 1min;

ServerResponse json_error(int status, std::string_view code, std::string_view message) {
  return ServerResponse::json(status, fmt::format(R"({{"error":{{"code":"{}","message":"{}"}}}})", code, message));
}

}  // namespace

HintsServer::HintsServer(const Config& config, Scheduler& scheduler, Metrics& metrics, const Clock& clock)
    : listen_(config.hints.listen), scheduler_(scheduler), metrics_(metrics), clock_(clock) {
  apply(config);
}

HintsServer::~HintsServer() { stop(); }

void HintsServer::apply(const Config& config) {
  std::lock_guard lock(mu_);
  sources_.clear();
  for (const auto& s : config.sources) sources_[s.name] = Source{s.hints, s.enabled};
  timing_ = HintTiming{config.hints.delay, config.hints.min_interval};
  public_url_ = config.hints.public_url;
}

Status HintsServer::start() {
  auto address = split_listen_address(listen_);
  if (!address) return Error::config(fmt::format("hints.listen '{}': {}", listen_, address.error().message));
  HttpServerOptions o;
  o.host = address->first;
  o.port = address->second;
  o.threads = 2;
  o.connection_limit = 256;
  o.per_client_limit = 64;
  o.max_body_bytes = 1 << 20;  // platform.md: over 1 MiB is a 413
  o.max_target_bytes = 2048;
  o.max_query_params = 16;
  o.header_timeout = 10s;
  o.idle_timeout = 30s;
  http_ = std::make_unique<HttpServer>(o, [this](const ServerRequest& r) { return handle(r); });
  if (auto st = http_->start(); !st)
    return Error::config(fmt::format("hints.listen {}: {}", listen_, st.error().message));
  return {};
}

void HintsServer::stop() {
  if (http_) http_->stop();
}

uint16_t HintsServer::port() const { return http_ ? http_->port() : 0; }

ServerResponse HintsServer::reject(const std::string& source, int status, std::string_view code,
                                   std::string_view message, const std::string& reason) {
  metrics_.counter_add("crm_index_hints_total", {{"source", source}, {"result", "rejected"}});
  const TimePoint now = clock_.now();
  bool warn = false;
  {
    std::lock_guard lock(mu_);
    auto& last = last_warned_[source];
    if (now - last >= kWarnEvery) {
      last = now;
      warn = true;
    }
  }
  if (warn) log_warn("source={} msg=\"hint rejected: {} (further rejections this minute are only counted)\"", source, reason);
  return json_error(status, code, message);
}

ServerResponse HintsServer::handle(const ServerRequest& req) {
  if (!req.path.starts_with(kPrefix) || req.path.size() == kPrefix.size() ||
      req.path.find('/', kPrefix.size()) != std::string::npos)
    return json_error(404, "not_found", "hints are POSTed to /hooks/{source}");
  if (req.method != "POST") {
    auto r = json_error(405, "method_not_allowed", "hints are POSTed");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  const std::string name = req.path.substr(kPrefix.size());
  Source source;
  HintTiming timing;
  std::string public_url;
  {
    std::lock_guard lock(mu_);
    auto it = sources_.find(name);
    if (it != sources_.end()) source = it->second;
    timing = timing_;
    public_url = public_url_;
    if (it == sources_.end()) {
      metrics_.counter_add("crm_index_hints_total", {{"source", ""}, {"result", "rejected"}});
      return json_error(404, "not_found", "no such source");
    }
  }
  if (auto why = check_hint(source.hints, req, called_url(req, public_url), clock_.now()))
    return reject(name, 401, "unauthorized", "the hint could not be verified", *why);
  const HintOutcome outcome = source.enabled ? scheduler_.hint(name, timing) : HintOutcome::unknown;
  if (outcome == HintOutcome::unknown) {
    // Verified, but nothing runs for it (disabled): counted as coalesced into nothing.
    metrics_.counter_add("crm_index_hints_total", {{"source", name}, {"result", "coalesced"}});
    return ServerResponse::json(202, R"({"status":"ignored","reason":"the source is disabled"})");
  }
  metrics_.counter_add("crm_index_hints_total", {{"source", name}, {"result", to_string(outcome)}});
  log_debug("source={} msg=\"hint {}\"", name, to_string(outcome));
  return ServerResponse::json(202, fmt::format(R"({{"status":"{}"}})", to_string(outcome)));
}

}  // namespace crm
