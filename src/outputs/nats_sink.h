// NatsSink: every event published to a JetStream stream with the NATS C client (libnats):
// subject "<subject_prefix>.<op>.<source>", header Nats-Msg-Id "<index_id>-<seq>" (the
// stream drops a second copy within its duplicate window), and a publish that waits for
// the stream's ack: an event counts as delivered only once the stream has it.
//
// Connects on the first delivery and after a failed connect (libnats reconnects by
// itself once connected); creates the stream when it is missing. Used by one delivery
// thread.
#pragma once

#include <memory>

#include "config/config.h"
#include "outputs/output_sink.h"

namespace crm {

class NatsSink : public OutputSink {
 public:
  explicit NatsSink(const NatsOutputConfig& config);
  ~NatsSink() override;
  Status deliver(const OutgoingEvent& event, const std::atomic<bool>& stop) override;

  // The subject of an event: "<prefix>.<op>.<source>".
  static std::string subject(const NatsOutputConfig& config, const OutgoingEvent& event);

 private:
  Status connect();
  Status ensure_stream();

  NatsOutputConfig config_;
  struct Client;
  std::unique_ptr<Client> client_;
  bool stream_ready_ = false;
};

}  // namespace crm
