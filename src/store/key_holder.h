// KeyHolder: a record that holds a link key, as the linker's tables store it. Its own
// header so that the pure link rules (link/group_verdict.h) need not see SQLite.
#pragma once

#include <cstdint>

namespace crm {

struct KeyHolder {
  int64_t record_id = 0;
  int64_t source_id = 0;
};

}  // namespace crm
