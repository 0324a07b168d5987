// Reading the `result` of one search_read call — a JSON array of rows — into mapped
// records:
//   [{"id":58,"name":"Zoë Łukasz","email":"zoe@example.com","phone":false,
//     "is_company":false,"commercial_company_name":"Acme GmbH","active":true,
//     "write_date":"2025-11-20 09:14:03"}, …]
// Odoo writes false, not null or "", for every empty field, and a filled many2one as
// [id, "display name"] (its display name is what a mapped many2one gives). write_date is
// naive UTC with whole seconds. is_company decides the kind; a partner with
// active = false is a tombstone (unless archived: index). Rows that cannot be mapped are
// counted as skipped. Pure; thread-safe.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "connectors/connector.h"
#include "connectors/odoo/odoo_options.h"
#include "core/result.h"

namespace crm {

struct OdooPage {
  Page page;  // records, high_water, skipped; `next` is left to the caller
  size_t rows = 0;  // rows in the answer, mapped or not (fewer than the limit: last page)
  std::optional<int64_t> last_id;        // of the last row, in the answer's order
  std::optional<int64_t> last_write_ms;  // write_date of that row
};

struct OdooRowContext {
  const OdooOptions& options;
  std::string_view object;    // res.partner
  std::string_view base_url;  // no trailing slash
};

Result<OdooPage> parse_odoo_rows(simdjson::dom::element result, const OdooRowContext& context);

// A field value as text: strings as they are, false/null as "", numbers as text, a
// many2one pair as its display name. False for other arrays and objects.
bool odoo_field_text(simdjson::dom::element value, std::string& out);

}  // namespace crm
