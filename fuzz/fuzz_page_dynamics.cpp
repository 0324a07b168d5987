// Dynamics 365: an OData page of contacts or accounts.
#include <cstddef>
#include <cstdint>

#include "connectors/dynamics/dynamics_page.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crm::DynamicsOptions options = crm::parse_dynamics_options(
      crm::fuzz::load_source("database: x\nsources:\n  - { name: dyn, type: dynamics, base_url: 'https://acme.crm4.dynamics.com', "
                             "auth: { type: oauth2, grant: client_credentials, token_url: 'https://login.example/t', "
                             "client_id: c, client_secret: s, scope: 'https://acme.crm4.dynamics.com/.default' } }\n"),
      nullptr);
  static simdjson::dom::parser parser;
  if (size < 1 || options.objects.empty()) return 0;
  const auto& object = options.objects[data[0] % options.objects.size()];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)crm::parse_dynamics_page(body, object, options, "https://acme.crm4.dynamics.com", parser);
  return 0;
}
