#include "outputs/outputs.h"

#include "core/log.h"
#include "outputs/nats_sink.h"
#include "outputs/webhook_sink.h"

namespace crm {
namespace {

// NATS dedupes by message id: a batch of positions per write costs at most a batch of
// duplicates after a crash, which the stream drops. A webhook consumer dedupes by
// webhook-id too, but each event is one POST anyway: its position is written per event.
constexpr int kNatsCommitEvery = 100;

OutputSpec nats_spec() {
  OutputSpec s;
  s.name = "nats";
  s.type = "nats";
  s.max_attempts = 0;  // a stream that is down is waited for: nothing is dead-lettered
  s.commit_every = kNatsCommitEvery;
  s.max_backoff = std::chrono::seconds(5);
  return s;
}

OutputSpec webhook_spec(const WebhookConfig& w) {
  OutputSpec s;
  s.name = w.name;
  s.type = "webhook";
  s.sources = {w.sources.begin(), w.sources.end()};
  s.ops = {w.ops.begin(), w.ops.end()};
  s.max_attempts = w.max_attempts;
  s.commit_every = 1;
  return s;
}

}  // namespace

std::vector<OutputSpec> output_specs(const OutputsConfig& config) {
  std::vector<OutputSpec> out;
  if (config.nats) out.push_back(nats_spec());
  for (const auto& w : config.webhooks) out.push_back(webhook_spec(w));
  return out;
}

Outputs::Outputs(std::string database, ChangeNotifier& changes, Metrics& metrics, const Clock& clock)
    : database_(std::move(database)), changes_(changes), metrics_(metrics), clock_(clock) {}

Outputs::~Outputs() { stop(); }

void Outputs::apply(const OutputsConfig& config) {
  std::lock_guard lock(mu_);
  std::map<std::string, std::unique_ptr<OutputDelivery>> next;
  auto keep_or_make = [&](const std::string& name, bool unchanged, auto make_sink, OutputSpec spec) {
    auto it = running_.find(name);
    if (it != running_.end() && unchanged) {
      next[name] = std::move(it->second);
      running_.erase(it);
      return;
    }
    if (it != running_.end()) {
      it->second->stop();
      running_.erase(it);
    }
    auto d = std::make_unique<OutputDelivery>(std::move(spec), make_sink(), database_, changes_, metrics_, clock_);
    d->start();
    log_info("output={} type={} msg=\"delivering the change feed\"", name, d->spec().type);
    next[name] = std::move(d);
  };
  if (config.nats)
    keep_or_make("nats", config_.nats == config.nats,
                 [&] { return std::make_unique<NatsSink>(*config.nats); }, nats_spec());
  for (const auto& w : config.webhooks) {
    const WebhookConfig* before = nullptr;
    for (const auto& old : config_.webhooks)
      if (old.name == w.name) before = &old;
    keep_or_make(w.name, before && *before == w, [&] { return std::make_unique<WebhookSink>(w, clock_); },
                 webhook_spec(w));
  }
  for (auto& [name, d] : running_) {  // no longer configured
    d->stop();
    metrics_.forget("output", name);
    log_info("output={} msg=\"removed from the configuration: stopped\"", name);
  }
  running_ = std::move(next);
  config_ = config;
}

void Outputs::stop() {
  std::lock_guard lock(mu_);
  for (auto& [name, d] : running_) d->stop();
}

std::vector<OutputStatus> Outputs::status() const {
  std::lock_guard lock(mu_);
  std::vector<OutputStatus> out;
  for (const auto& [name, d] : running_) out.push_back(d->status());
  return out;
}

}  // namespace crm
