// Reading one answer of a `type: rest` list endpoint: the records at list.items mapped by
// the fields' JSON pointers, and the token of the next page (page number, offset, cursor,
// or the next URL from the body or the Link header). Apart from the connector so that the
// part that reads what the CRM sends can be fuzzed without HTTP (fuzz/fuzz_rest_page.cpp).
// The reader is immutable after construction; thread-safe with one parser per thread.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "connectors/connector.h"
#include "connectors/rest/rest_options.h"
#include "core/result.h"
#include "http/http_client.h"

namespace crm {

// Page tokens: "page:N", "offset:K", "cursor:<opaque>", "url:<absolute URL>".
namespace rest_token {
inline constexpr std::string_view page = "page:", offset = "offset:", cursor = "cursor:", url = "url:";
}

// The number after `prefix` in `token`; `fallback` when the token is of another kind.
long rest_token_number(std::string_view token, std::string_view prefix, long fallback);

// base + path, without doubling a '/' between them.
std::string rest_join_url(const std::string& base, const std::string& path);

class RestPageReader {
 public:
  // `source` (name, base_url, web_url) and `options` must outlive the reader.
  RestPageReader(const SourceConfig& source, const RestOptions& options);

  // One 2xx answer; `page_token` is the token that asked for it ("" for the first page).
  // Invalid UTF-8 in a JSON answer is repaired in response.body (answer_text.h), any
  // other unreadable answer is a transient error, a missing items array a data error.
  Result<Page> read(HttpResponse& response, std::string_view page_token, simdjson::dom::parser& parser) const;

  // One 2xx get-by-id answer (platform.md "Live reads"): the object at live.item mapped
  // as a page's record is; nullopt when that record is flagged deleted. A missing object
  // or one the mapping skips (no external_id) is a data error.
  Result<LiveRecord> read_one(HttpResponse& response, simdjson::dom::parser& parser,
                              const std::vector<std::string>* fields) const;

 private:
  Result<simdjson::dom::element> parse(HttpResponse& response, simdjson::dom::parser& parser) const;
  std::optional<std::string> next_token(std::string_view page_token, simdjson::dom::element root,
                                        const HttpResponse& response, size_t item_count) const;
  std::string absolute(const std::string& u) const;
  void map_record(simdjson::dom::element item, Page& page) const;

  const SourceConfig& source_;
  const RestOptions& options_;
  std::string ptr_id_, ptr_kind_, ptr_updated_, ptr_deleted_;
  struct TextField {
    std::string name;     // the record field, for messages
    std::string pointer;  // where the CRM's answer has it
    std::string Record::*member;
  };
  std::vector<TextField> text_fields_;
};

}  // namespace crm
