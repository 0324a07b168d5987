#include "outputs/nats_sink.h"

#include <fmt/format.h>
#include <nats/nats.h>

#include <vector>

namespace crm {
namespace {

// How long a publish waits for the stream's ack. A server that is down fails a connect
// at once on most networks; this bounds the rest.
constexpr int64_t kAckWaitMs = 5000;

StreamSpec events_stream(const NatsOutputConfig& config) {
  StreamSpec spec;
  spec.name = config.stream;
  spec.subjects = {config.subject_prefix + ".>"};
  spec.replicas = config.replicas;
  spec.max_age_ms = static_cast<int64_t>(config.max_age.count());
  return spec;
}

}  // namespace

NatsSink::NatsSink(const NatsOutputConfig& config) : NatsSink(config.servers, config.auth, events_stream(config)) {
  subject_prefix_ = config.subject_prefix;
}

NatsSink::NatsSink(std::vector<std::string> servers, NatsAuth auth, StreamSpec stream) : stream_(std::move(stream)) {
  NatsClientOptions options;
  options.ack_wait_ms = kAckWaitMs;
  options.on_publish_error = &NatsSink::on_publish_error;
  options.closure = this;
  client_ = std::make_unique<NatsClient>(std::move(servers), std::move(auth), options);
}

NatsSink::~NatsSink() { client_.reset(); }

void NatsSink::on_publish_error(void* closure, const std::string& error) {
  auto* self = static_cast<NatsSink*>(closure);
  std::lock_guard lock(self->error_mu_);
  if (self->batch_error_.empty()) self->batch_error_ = error;
}

std::string NatsSink::subject(const NatsOutputConfig& config, const OutgoingEvent& event) {
  return fmt::format("{}.{}.{}", config.subject_prefix, event.op, event.source);
}

void NatsSink::forget_pending() {
  natsMsgList pending{};
  if (js_PublishAsyncGetPendingList(&pending, client_->js()) == NATS_OK) natsMsgList_Destroy(&pending);
}

Status NatsSink::deliver(std::span<const OutgoingEvent> events, const std::atomic<bool>&) {
  if (auto st = client_->connect(); !st) return st;
  if (!stream_ready_) {
    if (auto st = client_->ensure_stream(stream_); !st) return st;
    stream_ready_ = true;
  }
  {
    std::lock_guard lock(error_mu_);
    batch_error_.clear();
  }
  std::string subject;
  for (const OutgoingEvent& e : events) {
    subject = e.subject.empty() ? fmt::format("{}.{}.{}", subject_prefix_, e.op, e.source) : e.subject;
    jsPubOptions po;
    jsPubOptions_Init(&po);
    if (!e.id.empty()) po.MsgId = e.id.c_str();
    po.MaxWait = kAckWaitMs;
    natsStatus s = js_PublishAsync(client_->js(), subject.c_str(), e.body.data(), static_cast<int>(e.body.size()), &po);
    if (s != NATS_OK) {
      forget_pending();
      return Error::transient(nats_error("publish " + subject, s));
    }
  }
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = kAckWaitMs;
  natsStatus s = js_PublishAsyncComplete(client_->js(), &wait);
  std::string refused;
  {
    std::lock_guard lock(error_mu_);
    refused = batch_error_;
  }
  if (s == NATS_OK && refused.empty()) return {};
  forget_pending();
  // No stream listens on the subjects (deleted, or the server lost it): look again next time.
  if (refused.find("no responders") != std::string::npos || s == NATS_NO_RESPONDERS) stream_ready_ = false;
  if (!refused.empty()) return Error::transient(fmt::format("NATS: publish to stream {}: {}", stream_.name, refused));
  return Error::transient(
      nats_error(fmt::format("acks of {} events from stream {}", events.size(), stream_.name), s));
}

}  // namespace crm
