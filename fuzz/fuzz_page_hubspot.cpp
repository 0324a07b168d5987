// HubSpot: a list, archived list or search answer, for contacts or companies.
#include <cstddef>
#include <cstdint>

#include "connectors/hubspot/hubspot_page.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crm::HubspotOptions options = crm::parse_hubspot_options(
      crm::fuzz::load_source("database: x\nsources:\n  - { name: hs, type: hubspot, base_url: 'https://api.hubapi.com', "
                             "auth: { type: bearer, token: t }, portal_id: '42', extra_fields: [lifecyclestage] }\n"),
      nullptr);
  static simdjson::dom::parser parser;
  if (size < 1 || options.objects.empty()) return 0;
  const auto& object = options.objects[data[0] % options.objects.size()];
  crm::Page page;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)crm::map_hubspot_answer(parser, body, object, options, (data[0] & 0x80) != 0, page);
  return 0;
}
