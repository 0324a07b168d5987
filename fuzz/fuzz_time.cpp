// Every timestamp parser on any text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "connectors/hubspot/hubspot_page.h"
#include "core/time.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  if (auto t = crm::parse_iso8601(s)) (void)crm::format_iso8601(*t);
  (void)crm::parse_unix_seconds(s);
  (void)crm::parse_unix_millis(s);
  (void)crm::parse_http_date(s);
  (void)crm::parse_hubspot_time(s);
  // The first line is a pattern (rest connector's `timestamp:` setting), the rest a value.
  auto nl = s.find('\n');
  if (nl != std::string_view::npos)
    (void)crm::parse_with_pattern(s.substr(nl + 1), std::string(s.substr(0, nl)));
  return 0;
}
