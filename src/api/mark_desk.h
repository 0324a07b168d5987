// MarkDesk: where the API's marks are written (POST / DELETE /v1/marks). The API itself
// never writes the index: the daemon gives it a desk that writes through the one writer
// and links at once (SourceRunner::mark / unmark). Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "link/linker.h"

namespace crm {

class MarkDesk {
 public:
  virtual ~MarkDesk() = default;
  // The new mark's id. Errors: not_found (a record not in the index), config (a record
  // marked with itself), internal.
  virtual Result<int64_t> add(const MarkRequest& request) = 0;
  // Errors: not_found (no mark of that id in force), internal.
  virtual Status remove(int64_t mark_id, const std::string& by_user) = 0;
};

}  // namespace crm
