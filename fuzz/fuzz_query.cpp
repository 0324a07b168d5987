// The API's reading of a query string: any pairs, any values.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/keyset_token.h"
#include "api/query_params.h"
#include "store/api_queries.h"
#include "store/record_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  // name=value pairs separated by '&', as libmicrohttpd hands them over (decoded).
  crm::QueryParams::Pairs pairs;
  size_t start = 0;
  while (start <= s.size() && pairs.size() < 64) {
    size_t end = s.find('&', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view pair = s.substr(start, end - start);
    size_t eq = pair.find('=');
    pairs.emplace_back(std::string(pair.substr(0, eq)),
                       eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1)));
    start = end + 1;
  }
  auto params = crm::QueryParams::parse(pairs, {"limit", "after", "q", "wait", "updated_since", "include_deleted"});
  if (params) {
    if (auto v = params->get("limit")) (void)crm::parse_int_in("limit", *v, 1, 1000);
    if (auto v = params->get("after")) {
      (void)crm::parse_seq("after", *v);
      (void)crm::decode_keyset_token(*v);
      (void)crm::parse_customer_id(*v);
    }
    if (auto v = params->get("q")) {
      (void)crm::fts_match_expression(*v);
      (void)crm::fts_email_expression(*v);
    }
    if (auto v = params->get("wait")) (void)crm::parse_wait("wait", *v, std::chrono::seconds(60));
    if (auto v = params->get("updated_since")) (void)crm::parse_timestamp("updated_since", *v);
    if (auto v = params->get("include_deleted")) (void)crm::parse_bool("include_deleted", *v);
  }
  (void)crm::valid_text(s);
  return 0;
}
