#include "connectors/page_parser.h"

#include <fmt/format.h>

namespace crm {

Result<simdjson::dom::element> parse_json_page(simdjson::dom::parser& parser, std::string_view body,
                                               std::string_view what) {
  simdjson::dom::element root;
  if (auto err = parser.parse(body.data(), body.size()).get(root); err) {
    std::string problem =
        fmt::format("the answer is not valid JSON ({}; {} bytes)", simdjson::error_message(err), body.size());
    return Error::transient(what.empty() ? problem : fmt::format("{}: {}", what, problem));
  }
  return root;
}

}  // namespace crm
