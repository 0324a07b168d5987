// SfPageToken: the connector's page token, opaque to the engine. It says which object is
// being read (objects are read one after the other) and, inside an object, the query
// locator URL Salesforce gave as nextRecordsUrl. `from_ms` is the SystemModstamp of the
// last row handed out for the object, so that a run whose locator died
// (INVALID_QUERY_LOCATOR) restarts that object's query there instead of from the start;
// `restarts` bounds how often that may happen in one run. Value type; pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crm {

struct SfPageToken {
  std::string object;
  std::string next_url;  // "" → start the object's query
  std::optional<int64_t> from_ms;
  int restarts = 0;
};

// "sf1|<object>|<restarts>|<from_ms or empty>|<next_url>"
std::string encode_sf_page_token(const SfPageToken& t);
std::optional<SfPageToken> decode_sf_page_token(std::string_view s);

}  // namespace crm
