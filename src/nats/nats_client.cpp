#include "nats/nats_client.h"

#include <fmt/format.h>
#include <nats/nats.h>

namespace crm {

std::string nats_error(const std::string& what, int status, int js_error) {
  const char* text = natsStatus_GetText(static_cast<natsStatus>(status));
  if (js_error != 0) return fmt::format("NATS: {}: {} (JetStream error {})", what, text, js_error);
  return fmt::format("NATS: {}: {}", what, text);
}

struct NatsClient::Handles {
  natsOptions* options = nullptr;
  NatsClientOptions* owner = nullptr;
  static void on_error(jsCtx*, jsPubAckErr* pae, void* closure) {
    auto* self = static_cast<Handles*>(closure);
    if (self->owner->on_publish_error == nullptr) return;
    self->owner->on_publish_error(self->owner->closure, pae->ErrText ? pae->ErrText : natsStatus_GetText(pae->Err));
  }
  ~Handles() {
    if (options) natsOptions_Destroy(options);
  }
};

NatsClient::NatsClient(std::vector<std::string> servers, NatsAuth auth, NatsClientOptions options)
    : servers_(std::move(servers)), auth_(std::move(auth)), options_(options), handles_(std::make_unique<Handles>()) {
  handles_->owner = &options_;
}

NatsClient::~NatsClient() { close(); }

void NatsClient::close() {
  if (js_) jsCtx_Destroy(js_);
  js_ = nullptr;
  if (connection_) natsConnection_Destroy(connection_);
  connection_ = nullptr;
}

Status NatsClient::connect() {
  if (js_ != nullptr) return {};
  Handles& h = *handles_;
  if (h.options == nullptr) {
    if (natsOptions_Create(&h.options) != NATS_OK) return Error::internal("NATS: cannot make the client options");
    std::vector<const char*> servers;
    for (const auto& s : servers_) servers.push_back(s.c_str());
    natsOptions_SetServers(h.options, servers.data(), static_cast<int>(servers.size()));
    natsOptions_SetTimeout(h.options, options_.connect_timeout_ms);
    natsOptions_SetMaxReconnect(h.options, -1);  // once connected, never give up on the cluster
    natsOptions_SetReconnectWait(h.options, options_.reconnect_wait_ms);
    natsStatus s = NATS_OK;
    if (auth_.type == "token") s = natsOptions_SetToken(h.options, auth_.token.reveal().c_str());
    if (auth_.type == "user") s = natsOptions_SetUserInfo(h.options, auth_.user.c_str(), auth_.password.reveal().c_str());
    if (auth_.type == "creds") s = natsOptions_SetUserCredentialsFromFiles(h.options, auth_.creds_file.c_str(), nullptr);
    if (s != NATS_OK) {
      natsOptions_Destroy(h.options);
      h.options = nullptr;
      return Error::config(nats_error("auth options", s));
    }
  }
  natsStatus s = natsConnection_Connect(&connection_, h.options);
  if (s != NATS_OK) {
    close();
    return Error::transient(nats_error("connect", s));
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = options_.ack_wait_ms;
  jo.PublishAsync.MaxPending = options_.max_pending_async;
  jo.PublishAsync.ErrHandler = &Handles::on_error;
  jo.PublishAsync.ErrHandlerClosure = &h;
  s = natsConnection_JetStream(&js_, connection_, &jo);
  if (s != NATS_OK) {
    close();
    return Error::transient(nats_error("JetStream context", s));
  }
  return {};
}

Status NatsClient::ensure_stream(const StreamSpec& spec) {
  if (auto st = connect(); !st) return st;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  jsStreamInfo* info = nullptr;
  natsStatus s = js_GetStreamInfo(&info, js_, spec.name.c_str(), nullptr, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(info);
    return {};
  }
  if (s != NATS_NOT_FOUND) return Error::transient(nats_error("stream " + spec.name, s, jerr));
  std::vector<const char*> subjects;
  for (const auto& subject : spec.subjects) subjects.push_back(subject.c_str());
  jsStreamConfig sc;
  jsStreamConfig_Init(&sc);
  sc.Name = spec.name.c_str();
  sc.Subjects = subjects.data();
  sc.SubjectsLen = static_cast<int>(subjects.size());
  sc.Storage = js_FileStorage;
  sc.Replicas = spec.replicas;
  sc.MaxAge = spec.max_age_ms * 1'000'000;  // nanoseconds
  if (spec.max_msgs_per_subject > 0) sc.MaxMsgsPerSubject = spec.max_msgs_per_subject;
  jerr = static_cast<jsErrCode>(0);
  s = js_AddStream(&info, js_, &sc, nullptr, &jerr);
  // Another process made it between the two calls: as good as made here.
  if (s != NATS_OK && jerr != JSStreamNameExistErr)
    return Error::transient(nats_error("create stream " + spec.name, s, jerr));
  if (info) jsStreamInfo_Destroy(info);
  return {};
}

}  // namespace crm
