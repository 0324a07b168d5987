// php_pretty_json: compact JSON laid out as PHP's json_encode(JSON_PRETTY_PRINT) does, the
// form SuiteCRM's V8 API answers in: four-space indents, "key": value, [] and {} for
// empty containers, no final newline. The input must be valid JSON. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace crm::fake {

std::string php_pretty_json(std::string_view compact);

}  // namespace crm::fake
