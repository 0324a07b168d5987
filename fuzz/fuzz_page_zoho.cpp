// Zoho CRM: a records page of Contacts or Accounts, or a deleted-records page.
#include <cstddef>
#include <cstdint>

#include "connectors/zoho/zoho_page.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crm::ZohoOptions options = crm::parse_zoho_options(
      crm::fuzz::load_source("database: x\nsources:\n  - { name: zo, type: zoho, base_url: 'https://www.zohoapis.eu', "
                             "auth: { type: oauth2, grant: refresh_token, token_url: 'https://accounts.zoho.eu/oauth/v2/token', "
                             "client_id: c, client_secret: s, refresh_token: r } }\n"),
      nullptr);
  static simdjson::dom::parser parser;
  if (size < 1 || options.modules.empty()) return 0;
  const auto& module = options.modules[data[0] % options.modules.size()];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 0x80) (void)crm::parse_zoho_deleted_page(body, module.name, parser);
  else (void)crm::parse_zoho_page(body, module, options, parser);
  return 0;
}
