#include "connectors/odoo/odoo_options.h"

#include <fmt/format.h>

#include <algorithm>

#include "connectors/source_options.h"

namespace crm {
namespace {

// Odoo core has no first/last name (the OCA partner_firstname module adds firstname and
// lastname: map them with `fields:`). company is read for persons only: a company's
// commercial_company_name is its own name.
std::vector<std::pair<std::string, std::string>> default_fields() {
  return {{"name", "name"}, {"email", "email"}, {"phone", "phone"}, {"company", "commercial_company_name"}};
}

constexpr OptionSpec kOdooOptions[] = {
    {"db", OptionSpec::text, "", "the database name (on Odoo Online the subdomain: acme for acme.odoo.com); required"},
    {"archived", OptionSpec::choice, "tombstone", "what archived partners (active = false) become: tombstone, or index"},
};

}  // namespace

std::span<const OptionSpec> odoo_own_options() { return kOdooOptions; }

bool valid_odoo_field(std::string_view s) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

OdooOptions parse_odoo_options(const SourceConfig& source, ConfigErrors* errors) {
  OdooOptions o;
  const YAML::Node& block = source.node;
  const SourceOptions common(source, errors);

  // db: a parameter of every call (on Odoo Online, the subdomain).
  if (YAML::Node n = block["db"]; !n.IsDefined()) {
    common.error(block, "type odoo needs db: the database name (on Odoo Online the subdomain: acme for acme.odoo.com)");
  } else if (!n.IsScalar() || n.as<std::string>().empty()) {
    common.error(n, "db: expected the database name");
  } else {
    o.db = n.as<std::string>();
  }

  // objects: res.partner holds people and companies alike (is_company tells them apart).
  static const std::vector<std::string> kModels = {std::string(kOdooPartnerModel)};
  o.objects = common.objects(kModels, "model");

  // auth: JSON-RPC logs in with the login and a password or API key.
  const YAML::Node auth = block["auth"];
  if (source.auth.type.empty() && !auth.IsDefined())
    common.error(block,
                 "type odoo needs auth: { type: odoo, username: <login>, password_file: <password or API key> }");
  else if (!source.auth.type.empty() && source.auth.type != "odoo")
    common.error(auth["type"].IsDefined() ? auth["type"] : auth,
                 fmt::format("auth.type: '{}' is not accepted by Odoo's JSON-RPC API (use odoo)", source.auth.type));

  // base_url is the instance root: the connector posts to base_url + /jsonrpc. Only the
  // path is looked at (https://odoo.acme.example and https://webshop.example are fine).
  std::string_view path = source.base_url;
  if (size_t scheme = path.find("://"); scheme != std::string_view::npos) path.remove_prefix(scheme + 3);
  path = path.find('/') == std::string_view::npos ? std::string_view() : path.substr(path.find('/'));
  for (std::string_view tail : {"/jsonrpc", "/web", "/odoo", "/xmlrpc", "/xmlrpc/2", "/json/2"})
    if (path.ends_with(tail)) {
      common.error(block["base_url"],
                   "base_url: give the instance root (https://acme.odoo.com); the connector posts to /jsonrpc");
      break;
    }

  o.fields = default_fields();
  for (const auto& [field, odoo_field] :
       common.fields(mappable_record_fields(), "id, is_company and write_date are fixed", valid_odoo_field,
                     "an Odoo field name", "e.g. vat, x_studio_tax_id"))
    set_mapping(o.fields, field, odoo_field);
  o.extra = common.extra_fields(valid_odoo_field, "an Odoo field name");

  const std::string archived = common.choice("archived", "tombstone", "index");
  if (archived == "tombstone") o.archived = OdooArchivedPolicy::tombstone;
  else if (archived == "index") o.archived = OdooArchivedPolicy::index;
  o.web_url = common.web_url(kOdooDefaultWebUrl, "{base_url}, {object}");
  return o;
}

std::vector<std::string> odoo_read_fields(const OdooOptions& options) {
  std::vector<std::string> out;
  auto add = [&](const std::string& f) {
    if (f != "id" && !contains(out, f)) out.push_back(f);
  };
  for (const auto& [target, f] : options.fields) add(f);
  for (const auto& f : options.extra) add(f);
  for (const char* f : {"is_company", "active", "write_date"}) add(f);
  return out;
}

}  // namespace crm
