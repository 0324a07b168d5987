// OutputSink: how one output hands over one event (a NATS publish that waits for the
// stream's ack, a signed webhook POST). OutputDelivery owns the order, the retries and
// the position; a sink only says whether this one attempt was taken. Used by one
// delivery thread; implementations need not be thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "core/result.h"

namespace crm {

struct OutgoingEvent {
  int64_t seq = 0;
  std::string op;      // create | update | delete | link | unlink
  std::string source;  // the source's name
  std::string id;      // "<index_id>-<seq>": the consumers' dedupe key
  std::string body;    // store/change_json.h, with index_id
};

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // One attempt. The error's message is what `last_error` shows: it must hold no secret
  // and be cut to a bounded length (Redactor::outside_text for text from the output).
  // `stop` is set when the daemon stops: an attempt in flight should end soon.
  virtual Status deliver(const OutgoingEvent& event, const std::atomic<bool>& stop) = 0;
};

}  // namespace crm
