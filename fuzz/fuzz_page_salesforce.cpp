// Salesforce: a query / queryAll answer for Contact or Account.
#include <cstddef>
#include <cstdint>

#include "connectors/salesforce/salesforce_page.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crm::SalesforceOptions options = crm::parse_salesforce_options(
      crm::fuzz::load_source("database: x\nsources:\n  - { name: sf, type: salesforce, base_url: 'https://acme.my.salesforce.com', "
                             "auth: { type: bearer, token: t }, extra_fields: [LeadSource] }\n"),
      nullptr);
  static simdjson::dom::parser parser;
  if (size < 1 || options.objects.empty()) return 0;
  const auto& object = options.objects[data[0] % options.objects.size()];
  crm::RowMapping mapping{object, options.web_url, "https://acme.my.salesforce.com"};
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)crm::parse_query_page(parser, body, mapping);
  return 0;
}
