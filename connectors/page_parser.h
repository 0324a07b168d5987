// The simdjson parser every connector reads its pages with. simdjson's default depth
// limit (1024) fails a whole page for one record nested deeper (a free-form notes field
// of a legacy CRM, a hostile record): this one allows kMaxJsonDepth levels, so such a
// record is mapped, cut or skipped on its own (issue #6, "deep nesting"), and only a page
// nested deeper than that fails. The depth costs 9 bytes a level once per connector
// (under 1 MB), kept for the connector's life: simdjson keeps max_depth when it grows.
//
// parse_json_page() is the first step of every connector's page reading.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string_view>

#include "connectors/connector.h"
#include "core/result.h"

namespace crm {

inline constexpr std::size_t kMaxJsonDepth = 100'000;

class PageParser : public simdjson::dom::parser {
 public:
  PageParser() {
    // Out of memory here: the first parse() allocates again and reports it.
    [[maybe_unused]] auto error = allocate(64 * 1024, kMaxJsonDepth);
  }
};

// The root of a page's body, valid until the parser's next parse, or the transient Error
// "<what>: the answer is not valid JSON (<simdjson's reason>; N bytes)" (no "<what>: "
// when `what` is empty): a cut or garbled answer fails this run, and the next one asks
// again. The body is copied into the parser's own padded buffer, which it reuses from
// page to page, instead of into a new padded string each time.
Result<simdjson::dom::element> parse_json_page(simdjson::dom::parser& parser, std::string_view body,
                                               std::string_view what);

// Calls map(object) for each element of a page's list that is a JSON object; any other
// element is counted in `page` as skipped, for the reason skip_reason() gives.
template <class SkipReason, class Map>
void for_each_object(simdjson::dom::array list, Page& page, SkipReason skip_reason, Map map) {
  page.records.reserve(page.records.size() + list.size());
  for (auto element : list) {
    simdjson::dom::object object;
    if (element.get_object().get(object)) page.skip(skip_reason());
    else map(object);
  }
}

}  // namespace crm
