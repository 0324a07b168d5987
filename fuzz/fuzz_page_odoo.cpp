// Odoo: a JSON-RPC answer envelope, then its search_read rows of res.partner.
#include <cstddef>
#include <cstdint>
#include <string>

#include "connectors/odoo/odoo_page.h"
#include "connectors/odoo/odoo_rpc.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crm::OdooOptions options = crm::parse_odoo_options(
      crm::fuzz::load_source("database: x\nsources:\n  - { name: od, type: odoo, base_url: 'https://erp.acme.example', db: acme, "
                             "auth: { type: odoo, username: u, password: p } }\n"),
      nullptr);
  static simdjson::dom::parser parser;
  std::string body(reinterpret_cast<const char*>(data), size);
  auto result = crm::odoo_result("search_read", body, parser);
  if (!result) return 0;
  crm::OdooRowContext context{options, "res.partner", "https://erp.acme.example"};
  (void)crm::parse_odoo_rows(*result, context);
  return 0;
}
