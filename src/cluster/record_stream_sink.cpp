#include "cluster/record_stream_sink.h"

#include <fmt/format.h>

#include "cluster/record_state.h"
#include "store/api_queries.h"

namespace crm {

StreamSpec records_stream_spec(const ClusterConfig& cluster) {
  StreamSpec spec;
  spec.name = kRecordsStream;
  spec.subjects = {kRecordsSubjects};
  spec.replicas = cluster.replicas();
  spec.max_msgs_per_subject = 1;
  return spec;
}

RecordStreamSink::RecordStreamSink(const ClusterConfig& cluster)
    : NatsSink(cluster.servers, cluster.auth, records_stream_spec(cluster)) {}

OutgoingEvent RecordStreamSink::make_event(const ChangeRow& c, const std::string& index_id) const {
  OutgoingEvent e;
  e.seq = c.seq;
  e.op = c.op;
  e.source = c.record.source;
  e.id = fmt::format("{}-{}", index_id, c.seq);
  e.subject = record_state_subject(c.record.source, c.record.record.external_id);
  e.body.reserve(400);
  append_record_state_json(e.body, c.record);
  return e;
}

bool RecordStreamSink::wants(const ChangeRow& c) const {
  return c.from_run && (c.op == "create" || c.op == "update" || c.op == "delete");
}

}  // namespace crm
