#include "connectors/zoho/zoho_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "connectors/source_options.h"

namespace crm {
namespace {

// A Zoho field API name: letters, digits and underscores, starting with a letter.
bool valid_field(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// v2, v2.1, v3 … v8 (and later ones: "v" then a number, optionally ".1").
bool valid_version(std::string_view v) {
  if (v.size() < 2 || v[0] != 'v') return false;
  v.remove_prefix(1);
  size_t dot = v.find('.');
  std::string_view major = v.substr(0, dot);
  if (major.empty() || !std::all_of(major.begin(), major.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return false;
  if (major.size() > 3) return false;
  if (dot == std::string_view::npos) return std::stoi(std::string(major)) >= 2;
  return v.substr(dot) == ".1" && major == "2";
}

ZohoModule default_module(std::string_view name) {
  if (name == "Contacts")
    return {"Contacts",
            RecordKind::person,
            {{"name", "Full_Name"},
             {"given_name", "First_Name"},
             {"family_name", "Last_Name"},
             {"email", "Email"},
             {"phone", "Phone"},
             // A lookup, answered as {"name": "Acme GmbH", "id": "…"}: the name comes for free.
             {"company", "Account_Name"}},
            {}};
  // Accounts have no standard e-mail field.
  return {"Accounts", RecordKind::company, {{"name", "Account_Name"}, {"phone", "Phone"}}, {}};
}

constexpr OptionSpec kZohoOptions[] = {
    {"api_version", OptionSpec::text, kZohoDefaultApiVersion, "the REST API version in the path: v2.1, v3 … v8"},
};

}  // namespace

std::span<const OptionSpec> zoho_own_options() { return kZohoOptions; }

std::string zoho_app_url(std::string_view base_url) {
  std::string base(base_url);
  constexpr std::string_view kApiHost = "://www.zohoapis.";
  if (size_t at = base.find(kApiHost); at != std::string::npos)
    return base.substr(0, at) + "://crm.zoho." + base.substr(at + kApiHost.size());
  return base;
}

ZohoOptions parse_zoho_options(const SourceConfig& source, ConfigErrors* errors) {
  ZohoOptions o;
  const YAML::Node& block = source.node;
  const SourceOptions common(source, errors);

  // objects: Zoho's module API names, capitalised and plural.
  for (const auto& name :
       common.objects({"Contacts", "Accounts"}, "module", "; Zoho's module API names are capitalised and plural"))
    o.modules.push_back(default_module(name));

  if (YAML::Node v = block["api_version"]; v.IsDefined()) {
    o.api_version = v.IsScalar() ? v.as<std::string>() : "";
    if (!valid_version(o.api_version)) {
      common.error(v, fmt::format("api_version: '{}' is not a Zoho CRM API version (v2.1, v3 … v8)",
                                  common.written(v, o.api_version)));
      o.api_version = kZohoDefaultApiVersion;
    }
  }

  // auth: Zoho takes OAuth 2.0 access tokens only, minted from a refresh token.
  const YAML::Node auth = block["auth"];
  if (source.auth.type.empty() && !auth.IsDefined()) {
    common.error(block,
                 "type zoho needs auth: { type: oauth2, grant: refresh_token, token_url: "
                 "https://accounts.zoho.<dc>/oauth/v2/token, client_id, client_secret, refresh_token }");
  } else if (!source.auth.type.empty() && source.auth.type != "oauth2" && source.auth.type != "bearer") {
    common.error(auth["type"].IsDefined() ? auth["type"] : auth,
                 fmt::format("auth.type: '{}' is not accepted by Zoho CRM (use oauth2, or bearer with a token "
                             "from elsewhere)",
                             source.auth.type));
  } else if (source.auth.type == "oauth2" && source.auth.grant == "client_credentials") {
    common.error(auth["grant"].IsDefined() ? auth["grant"] : auth,
                 "auth.grant: Zoho CRM issues access tokens from a refresh token (grant: refresh_token)");
  }

  // base_url is the data centre's API root: the connector appends /crm/<version>.
  if (source.base_url.find("/crm/") != std::string::npos)
    common.error(block["base_url"],
                 "base_url: give the API root (https://www.zohoapis.eu); the connector "
                 "appends /crm/<api_version>");

  for (const auto& [field, api_name] : common.fields(mappable_record_fields(), "id and Modified_Time are fixed",
                                                     valid_field, "a Zoho field API name", "e.g. Tax_ID"))
    for (auto& m : o.modules) set_mapping(m.fields, field, api_name);
  const std::vector<std::string> extra = common.extra_fields(valid_field, "a Zoho field API name");
  for (auto& m : o.modules) m.extra = extra;
  for (const auto& m : o.modules)
    if (zoho_field_names(m).size() > kZohoMaxFields)
      common.error(block["extra_fields"], fmt::format("extra_fields: {} asks Zoho for more than {} fields, "
                                                      "which it refuses (LIMIT_EXCEEDED)",
                                                      m.name, kZohoMaxFields));

  o.app_url = zoho_app_url(source.base_url);
  o.web_url = common.web_url(kZohoDefaultWebUrl, "{app_url}, {object}");
  return o;
}

std::vector<std::string> zoho_field_names(const ZohoModule& module) {
  std::vector<std::string> out;
  auto add = [&](const std::string& f) {
    if (!contains(out, f)) out.push_back(f);
  };
  for (const auto& [field, api_name] : module.fields) add(api_name);
  for (const auto& f : module.extra) add(f);
  add("Modified_Time");
  return out;
}

}  // namespace crm
