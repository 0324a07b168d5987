#include "core/result.h"

namespace crm {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::transient: return "transient";
    case ErrorKind::auth: return "auth";
    case ErrorKind::config: return "config";
    case ErrorKind::data: return "data";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::internal: return "internal";
    case ErrorKind::skipped: return "skipped";
    case ErrorKind::interrupted: return "interrupted";
  }
  return "internal";
}

}  // namespace crm
