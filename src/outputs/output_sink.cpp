#include "outputs/output_sink.h"

#include <fmt/format.h>

#include "store/api_queries.h"
#include "store/change_json.h"

namespace crm {

OutgoingEvent OutputSink::make_event(const ChangeRow& c, const std::string& index_id) const {
  OutgoingEvent e;
  e.seq = c.seq;
  e.op = c.op;
  e.source = c.record.source;
  e.id = fmt::format("{}-{}", index_id, c.seq);
  e.body.reserve(700);
  append_change_json(e.body, c, index_id);
  return e;
}

}  // namespace crm
