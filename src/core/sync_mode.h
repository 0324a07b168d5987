// SyncMode: a full pass reads everything (and finds deletions); an incremental run asks
// only for what changed since the watermark minus the overlap.
#pragma once

#include <string_view>

namespace crm {

enum class SyncMode { full, incremental };

inline const char* to_string(SyncMode mode) {
  return mode == SyncMode::full ? "full" : "incremental";
}

}  // namespace crm
