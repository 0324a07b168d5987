#include "outputs/nats_sink.h"

#include <fmt/format.h>
#include <nats/nats.h>

#include <mutex>
#include <vector>

namespace crm {
namespace {

// How long a publish waits for the stream's ack, and a connect for the server. A server
// that is down fails a connect at once on most networks; these bound the rest.
constexpr int64_t kAckWaitMs = 5000;
constexpr int64_t kConnectTimeoutMs = 2000;
constexpr int64_t kReconnectWaitMs = 500;
constexpr int64_t kMaxPending = 1024;  // asynchronous publishes in flight, above max_batch()

std::string nats_error(const char* what, natsStatus s, jsErrCode js_error = static_cast<jsErrCode>(0)) {
  if (js_error != 0) return fmt::format("NATS: {}: {} (JetStream error {})", what, natsStatus_GetText(s), static_cast<int>(js_error));
  return fmt::format("NATS: {}: {}", what, natsStatus_GetText(s));
}

}  // namespace

struct NatsSink::Client {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
  // The first asynchronous publish the stream refused since the batch began.
  std::mutex error_mu;
  std::string batch_error;

  static void on_error(jsCtx*, jsPubAckErr* pae, void* closure) {
    auto* self = static_cast<Client*>(closure);
    std::lock_guard lock(self->error_mu);
    if (self->batch_error.empty())
      self->batch_error = pae->ErrText ? pae->ErrText : natsStatus_GetText(pae->Err);
  }
  ~Client() { close(); if (options) natsOptions_Destroy(options); }
  void close() {
    if (js) jsCtx_Destroy(js);
    js = nullptr;
    if (connection) natsConnection_Destroy(connection);
    connection = nullptr;
  }
};

NatsSink::NatsSink(const NatsOutputConfig& config) : config_(config), client_(std::make_unique<Client>()) {}

NatsSink::~NatsSink() = default;

std::string NatsSink::subject(const NatsOutputConfig& config, const OutgoingEvent& event) {
  return fmt::format("{}.{}.{}", config.subject_prefix, event.op, event.source);
}

Status NatsSink::connect() {
  Client& c = *client_;
  if (c.options == nullptr) {
    if (natsOptions_Create(&c.options) != NATS_OK) return Error::internal("NATS: cannot make the client options");
    std::vector<const char*> servers;
    for (const auto& s : config_.servers) servers.push_back(s.c_str());
    natsOptions_SetServers(c.options, servers.data(), static_cast<int>(servers.size()));
    natsOptions_SetTimeout(c.options, kConnectTimeoutMs);
    natsOptions_SetMaxReconnect(c.options, -1);  // once connected, never give up on the cluster
    natsOptions_SetReconnectWait(c.options, kReconnectWaitMs);
    const NatsAuth& a = config_.auth;
    natsStatus s = NATS_OK;
    if (a.type == "token") s = natsOptions_SetToken(c.options, a.token.reveal().c_str());
    if (a.type == "user") s = natsOptions_SetUserInfo(c.options, a.user.c_str(), a.password.reveal().c_str());
    if (a.type == "creds") s = natsOptions_SetUserCredentialsFromFiles(c.options, a.creds_file.c_str(), nullptr);
    if (s != NATS_OK) {
      natsOptions_Destroy(c.options);
      c.options = nullptr;
      return Error::config(nats_error("auth options", s));
    }
  }
  natsStatus s = natsConnection_Connect(&c.connection, c.options);
  if (s != NATS_OK) {
    c.close();
    return Error::transient(nats_error("connect", s));
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = kAckWaitMs;
  jo.PublishAsync.MaxPending = kMaxPending;
  jo.PublishAsync.ErrHandler = &Client::on_error;
  jo.PublishAsync.ErrHandlerClosure = &c;
  s = natsConnection_JetStream(&c.js, c.connection, &jo);
  if (s != NATS_OK) {
    c.close();
    return Error::transient(nats_error("JetStream context", s));
  }
  return {};
}

Status NatsSink::ensure_stream() {
  jsErrCode jerr = static_cast<jsErrCode>(0);
  jsStreamInfo* info = nullptr;
  natsStatus s = js_GetStreamInfo(&info, client_->js, config_.stream.c_str(), nullptr, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(info);
    stream_ready_ = true;
    return {};
  }
  if (s != NATS_NOT_FOUND) return Error::transient(nats_error(("stream " + config_.stream).c_str(), s, jerr));
  const std::string subjects = config_.subject_prefix + ".>";
  const char* subject_list[] = {subjects.c_str()};
  jsStreamConfig sc;
  jsStreamConfig_Init(&sc);
  sc.Name = config_.stream.c_str();
  sc.Subjects = subject_list;
  sc.SubjectsLen = 1;
  sc.Storage = js_FileStorage;
  sc.Replicas = config_.replicas;
  sc.MaxAge = static_cast<int64_t>(config_.max_age.count()) * 1'000'000;  // nanoseconds
  jerr = static_cast<jsErrCode>(0);
  s = js_AddStream(&info, client_->js, &sc, nullptr, &jerr);
  if (s != NATS_OK) return Error::transient(nats_error(("create stream " + config_.stream).c_str(), s, jerr));
  jsStreamInfo_Destroy(info);
  stream_ready_ = true;
  return {};
}

void NatsSink::forget_pending() {
  natsMsgList pending{};
  if (js_PublishAsyncGetPendingList(&pending, client_->js) == NATS_OK) natsMsgList_Destroy(&pending);
}

Status NatsSink::deliver(std::span<const OutgoingEvent> events, const std::atomic<bool>&) {
  if (client_->js == nullptr)
    if (auto st = connect(); !st) return st;
  if (!stream_ready_)
    if (auto st = ensure_stream(); !st) return st;
  {
    std::lock_guard lock(client_->error_mu);
    client_->batch_error.clear();
  }
  for (const OutgoingEvent& e : events) {
    const std::string subj = subject(config_, e);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = e.id.c_str();
    po.MaxWait = kAckWaitMs;
    natsStatus s = js_PublishAsync(client_->js, subj.c_str(), e.body.data(), static_cast<int>(e.body.size()), &po);
    if (s != NATS_OK) {
      forget_pending();
      return Error::transient(nats_error(("publish " + subj).c_str(), s));
    }
  }
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = kAckWaitMs;
  natsStatus s = js_PublishAsyncComplete(client_->js, &wait);
  std::string refused;
  {
    std::lock_guard lock(client_->error_mu);
    refused = client_->batch_error;
  }
  if (s == NATS_OK && refused.empty()) return {};
  forget_pending();
  // No stream listens on the subjects (deleted, or the server lost it): look again next time.
  if (refused.find("no responders") != std::string::npos || s == NATS_NO_RESPONDERS) stream_ready_ = false;
  if (!refused.empty())
    return Error::transient(fmt::format("NATS: publish to stream {}: {}", config_.stream, refused));
  return Error::transient(nats_error(fmt::format("acks of {} events from stream {}", events.size(), config_.stream).c_str(), s));
}

}  // namespace crm
