// A source's `live:` block (platform.md "Live reads"): which of the CRM's own fields a
// live read may show, its timeout and how long its answer is kept, and for type rest the
// path template of one record and where the answer holds it. Internal to src/config/. Not thread-safe (writes to the
// LoadContext).
#pragma once

#include "config/config.h"
#include "config/load_context.h"
#include "config/yaml_fields.h"

namespace crm {

// `field` is the source's `live` entry; a null value is no block. `type` is the source's
// type: only rest takes (and needs) `path`.
SourceLive read_source_live(const Field& field, const std::string& type, LoadContext& ctx);

}  // namespace crm
