// The simdjson parser every connector reads its pages with. simdjson's default depth
// limit (1024) fails a whole page for one record nested deeper (a free-form notes field
// of a legacy CRM, a hostile record): this one allows kMaxJsonDepth levels, so such a
// record is mapped, cut or skipped on its own (issue #6, "deep nesting"), and only a page
// nested deeper than that fails. The depth costs 9 bytes a level once per connector
// (under 1 MB), kept for the connector's life: simdjson keeps max_depth when it grows.
#pragma once

#include <simdjson.h>

#include <cstddef>

namespace crm {

inline constexpr std::size_t kMaxJsonDepth = 100'000;

class PageParser : public simdjson::dom::parser {
 public:
  PageParser() {
    // Out of memory here: the first parse() allocates again and reports it.
    [[maybe_unused]] auto error = allocate(64 * 1024, kMaxJsonDepth);
  }
};

}  // namespace crm
