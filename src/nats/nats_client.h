// NatsClient: a connection to a NATS server or cluster and its JetStream context, made
// from the config's servers and auth. Connects on demand and after a failed connect;
// once connected, libnats reconnects by itself (to any listed server) for ever, and
// publishes wait in its buffer meanwhile. Errors name what failed, never a credential.
//
// Not thread-safe to connect/close; the libnats handles it gives out are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/result.h"

typedef struct __natsConnection natsConnection;
typedef struct __jsCtx jsCtx;

namespace crm {

struct NatsClientOptions {
  int64_t connect_timeout_ms = 2000;
  int64_t reconnect_wait_ms = 500;
  int64_t ack_wait_ms = 5000;       // a JetStream request (publish ack, stream info, KV op)
  int64_t max_pending_async = 1024;  // asynchronous publishes in flight
  // Called on a libnats thread for an asynchronous publish the stream refused.
  void (*on_publish_error)(void* closure, const std::string& error) = nullptr;
  void* closure = nullptr;
};

// What a stream is made with when it is missing (an existing one is left as it is).
struct StreamSpec {
  std::string name;
  std::vector<std::string> subjects;
  int replicas = 1;
  int64_t max_age_ms = 0;               // 0: kept for ever
  int64_t max_msgs_per_subject = 0;     // 0: no limit; 1: the last message of each subject (a table)
};

// "NATS: <what>: <libnats status text>[ (JetStream error N)]".
std::string nats_error(const std::string& what, int status, int js_error = 0);

class NatsClient {
 public:
  NatsClient(std::vector<std::string> servers, NatsAuth auth, NatsClientOptions options = {});
  ~NatsClient();
  NatsClient(const NatsClient&) = delete;
  NatsClient& operator=(const NatsClient&) = delete;

  // Connects unless connected. Errors: config (bad auth options), transient.
  Status connect();
  bool connected() const { return js_ != nullptr; }
  void close();

  natsConnection* connection() const { return connection_; }
  jsCtx* js() const { return js_; }
  int64_t ack_wait_ms() const { return options_.ack_wait_ms; }

  // The stream, made as `spec` says when it is missing. Errors: transient.
  Status ensure_stream(const StreamSpec& spec);

 private:
  std::vector<std::string> servers_;
  NatsAuth auth_;
  NatsClientOptions options_;
  struct Handles;
  std::unique_ptr<Handles> handles_;
  natsConnection* connection_ = nullptr;
  jsCtx* js_ = nullptr;
};

}  // namespace crm
