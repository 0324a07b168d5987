// Which build this is: the project's version and the git revision it was configured
// from ("unknown" outside a git checkout), for --version and crm_index_build_info.
#pragma once

namespace crm {

const char* build_version();
const char* build_revision();

}  // namespace crm
