// `api.write_tokens` (platform.md "People act"): a list of { name, token_file }, each a
// person or team allowed to make and take back marks over HTTP. Internal to src/config/.
// Not thread-safe (writes to the LoadContext).
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/load_context.h"
#include "config/yaml_fields.h"

namespace crm {

// `field` is the api mapping's write_tokens entry; `read_token` the content of
// api.token_file ("" when there is none): a write token equal to it, or to another write
// token, is refused (a request could not tell who it is).
std::vector<ApiWriteToken> read_write_tokens(const Field& field, const std::string& read_token, LoadContext& ctx);

}  // namespace crm
