#include "core/record.h"

namespace crm {

const char* to_string(RecordKind kind) {
  return kind == RecordKind::company ? "company" : "person";
}

bool parse_record_kind(std::string_view s, RecordKind& out) {
  if (s == "person") { out = RecordKind::person; return true; }
  if (s == "company") { out = RecordKind::company; return true; }
  return false;
}

}  // namespace crm
