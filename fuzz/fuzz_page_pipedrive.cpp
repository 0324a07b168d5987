// Pipedrive: a v2 (or v1-shaped) list page of persons or organizations.
#include <cstddef>
#include <cstdint>

#include "connectors/pipedrive/pipedrive_page.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crm::PipedriveOptions options = crm::parse_pipedrive_options(
      crm::fuzz::load_source("database: x\nsources:\n  - { name: pd, type: pipedrive, base_url: 'https://acme.pipedrive.com', "
                             "auth: { type: api_key, in: header, name: x-api-token, value: t } }\n"),
      nullptr);
  static simdjson::dom::parser parser;
  if (size < 1 || options.objects.empty()) return 0;
  const auto& object = options.objects[data[0] % options.objects.size()];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)crm::parse_pipedrive_page(body, object, options, "https://acme.pipedrive.com", parser);
  return 0;
}
