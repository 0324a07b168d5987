// OdooOptions: a `type: odoo` source block, parsed and checked: the database, the models
// to read (res.partner only), the field mapping, what archived partners become, and the
// web_url template. The same parser serves `crm-index check` (with an error sink, every
// problem with its file:line:col) and the connector's construction (without one).
// Value type; pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "connectors/source_options.h"

namespace crm {

inline constexpr std::string_view kOdooPartnerModel = "res.partner";
// The classic form URL: served by Odoo 14 to 17 and redirected by 17.2+ (/odoo/contacts/<id>).
inline constexpr std::string_view kOdooDefaultWebUrl = "{base_url}/web#id={id}&model={object}&view_type=form";
// search_read has no protocol maximum (crm-apis.md, Odoo: Page size); the worker time
// limits are the ceiling, so page_size is clamped to a range a worker answers quickly.
inline constexpr int kOdooMaxPageSize = 5000;

// What partners with active = false become. Archiving is Odoo's soft delete, and the
// issue asks for tombstones; `index` keeps them as live records instead.
enum class OdooArchivedPolicy { tombstone, index };

struct OdooOptions {
  std::string db;
  std::vector<std::string> objects;  // models, read one after the other: res.partner
  // record field (name, email, … as `fields:` names them; external_id, kind and
  // updated_at are fixed: id, is_company, write_date) → Odoo field; a many2one field
  // gives its display name.
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string> extra;  // extra_fields
  OdooArchivedPolicy archived = OdooArchivedPolicy::tombstone;
  std::string web_url;  // template with {base_url}, {object}, {id}
};

// The keys an odoo source block has beyond the common ones: db, archived.
std::span<const OptionSpec> odoo_own_options();

// Parses source (db, objects, fields, extra_fields, web_url, auth). Problems go to
// `errors` when given (then the result may be partial).
OdooOptions parse_odoo_options(const SourceConfig& source, ConfigErrors* errors);

// The `fields` of search_read: the mapped ones, the extra ones, then is_company, active,
// write_date; each once. (search_read returns id without being asked.)
std::vector<std::string> odoo_read_fields(const OdooOptions& options);

// An Odoo field name: lower-case letters, digits and _ (custom fields start with x_).
bool valid_odoo_field(std::string_view name);

}  // namespace crm
