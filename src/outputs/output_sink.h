// OutputSink: how one output hands over events (NATS publishes that wait for the
// stream's acks, a signed webhook POST). OutputDelivery owns the order, the retries and
// the position; a sink only says whether this one attempt took the whole batch. Used by
// one delivery thread; implementations need not be thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>

#include "core/result.h"

namespace crm {

struct OutgoingEvent {
  int64_t seq = 0;
  std::string op;      // create | update | delete | link | unlink
  std::string source;  // the source's name
  std::string id;      // "<index_id>-<seq>": the consumers' dedupe key
  std::string body;    // store/change_json.h, with index_id
  std::string subject; // where a NATS sink publishes it ("" for other sinks)
};

struct ChangeRow;

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // How many events one attempt may take (1: one at a time).
  virtual size_t max_batch() const { return 1; }
  // One attempt at the events, in seq order, all or nothing: after an error every one of
  // them is sent again (consumers dedupe by id). The error's message is what `last_error` shows: it must hold no secret
  // and be cut to a bounded length (Redactor::outside_text for text from the output).
  // `stop` is set when the daemon stops: an attempt in flight should end soon.
  virtual Status deliver(std::span<const OutgoingEvent> events, const std::atomic<bool>& stop) = 0;
  // What is handed over for one change of the feed: by default the change's JSON (its id
  // "<index_id>-<seq>"). A sink with its own messages (the cluster's record states) says.
  virtual OutgoingEvent make_event(const ChangeRow& change, const std::string& index_id) const;
  // Whether this sink takes the change at all, beyond the output's sources and ops filters.
  virtual bool wants(const ChangeRow&) const { return true; }
};

}  // namespace crm
