// RecordStreamSink: a poller's record states to the CRM_RECORDS stream (record_state.h),
// through the outputs' delivery (the change feed is the outbox: a crash or a NATS outage
// loses nothing, and the position moves only once the stream acked). The stream is made
// when missing with one message kept per subject, so that it is the table of current
// states, tombstones included.
//
// Only what this process's own sync runs wrote is published: the states a poller applies
// from the stream for the sources other pollers own, and the linker's customer changes,
// are not record states of its own. Used by one delivery thread.
#pragma once

#include "config/config.h"
#include "outputs/nats_sink.h"

namespace crm {

class RecordStreamSink : public NatsSink {
 public:
  explicit RecordStreamSink(const ClusterConfig& cluster);
  OutgoingEvent make_event(const ChangeRow& change, const std::string& index_id) const override;
  bool wants(const ChangeRow& change) const override;
};

// What CRM_RECORDS is made with when it is missing.
StreamSpec records_stream_spec(const ClusterConfig& cluster);

}  // namespace crm
