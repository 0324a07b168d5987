#include "core/build_info.h"

#include "build_info_values.h"  // generated: cmake/build_info.h.in

namespace crm {

const char* build_version() { return CRM_INDEX_VERSION; }
const char* build_revision() { return CRM_INDEX_REVISION; }

}  // namespace crm
