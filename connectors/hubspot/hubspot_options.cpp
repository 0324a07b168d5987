#include "connectors/hubspot/hubspot_options.h"

#include <fmt/format.h>

#include <algorithm>

#include "config/value_parsers.h"
#include "connectors/source_options.h"

namespace crm {
namespace {

// https://developers.hubspot.com/docs/api/crm/search: the modification property differs
// by object, so this is a table, not one constant.
HubspotObject contacts_object() {
  return {"contacts", "0-1", RecordKind::person, "lastmodifieddate",
          {{"name", ""}, {"given_name", "firstname"}, {"family_name", "lastname"}, {"email", "email"},
           {"phone", "phone"}, {"company", "company"}, {"national_id", ""}, {"country", "country"}},
          {}};
}

// Companies have no e-mail property of their own; the company name is the record name.
HubspotObject companies_object() {
  return {"companies", "0-2", RecordKind::company, "hs_lastmodifieddate",
          {{"name", "name"}, {"given_name", ""}, {"family_name", ""}, {"email", ""},
           {"phone", "phone"}, {"company", ""}, {"national_id", ""}, {"country", "country"}},
          {}};
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

bool valid_property_name(std::string_view p) {
  if (p.empty() || p.size() > 100) return false;
  return std::all_of(p.begin(), p.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

constexpr OptionSpec kHubspotOptions[] = {
    {"portal_id", OptionSpec::text, "", "the HubSpot account id (digits); gives the default web_url"},
    {"path_prefix", OptionSpec::text, "/crm/v3/objects", "HubSpot also publishes dated paths (/crm/objects/2026-03)"},
    {"archived", OptionSpec::boolean, "true", "incremental runs read ?archived=true for tombstones"},
    {"search_rate_limit", OptionSpec::rate, "4/s", "the search endpoint's own bucket (HubSpot allows 5/s per account)"},
};

}  // namespace

std::span<const OptionSpec> hubspot_own_options() { return kHubspotOptions; }

const std::vector<std::string>& hubspot_known_objects() {
  static const std::vector<std::string> k = {"contacts", "companies"};
  return k;
}

const std::vector<std::string>& hubspot_record_fields() {
  static const std::vector<std::string> f = {"name", "given_name", "family_name", "email",
                                             "phone", "company", "national_id", "country"};
  return f;
}

HubspotOptions parse_hubspot_options(const SourceConfig& source, ConfigErrors* errors) {
  HubspotOptions o;
  const YAML::Node& block = source.node;
  const SourceOptions common(source, errors);

  if (YAML::Node p = block["path_prefix"]; p.IsDefined()) {
    o.path_prefix = p.IsScalar() ? p.as<std::string>() : "";
    if (o.path_prefix.empty() || o.path_prefix[0] != '/')
      common.error(p, fmt::format("path_prefix: '{}' must start with '/' (e.g. /crm/v3/objects)",
                                  common.written(p, o.path_prefix)));
    while (o.path_prefix.size() > 1 && o.path_prefix.back() == '/') o.path_prefix.pop_back();
  }
  if (YAML::Node p = block["portal_id"]; p.IsDefined()) {
    o.portal_id = p.IsScalar() ? p.as<std::string>() : "";
    if (o.portal_id.empty() || !std::all_of(o.portal_id.begin(), o.portal_id.end(), [](char c) { return c >= '0' && c <= '9'; }))
      common.error(p,
                   fmt::format("portal_id: '{}' is not a HubSpot account id (digits)", common.written(p, o.portal_id)));
  }
  if (YAML::Node r = block["search_rate_limit"]; r.IsDefined()) {
    auto rate = r.IsScalar() ? parse_rate(r.as<std::string>()) : std::nullopt;
    if (!rate)
      common.error(r, fmt::format("search_rate_limit: '{}' is not a rate (e.g. 4/s)", common.written(r, "")));
    else
      o.search_per_second = rate->per_second;
  }
  o.read_archived = common.boolean("archived").value_or(o.read_archived);

  // Auth: HubSpot takes only bearer tokens (private app or OAuth); API keys ended in 2022.
  const std::string& auth = source.auth.type;
  if (auth.empty())
    common.error(block["auth"], "hubspot needs auth: { type: bearer, token_file: ... } (private app) or type: oauth2");
  else if (auth != "bearer" && auth != "oauth2")
    common.error(
        block["auth"]["type"],
        fmt::format("auth.type '{}' does not work with HubSpot: use bearer (private app token) or oauth2", auth));

  std::vector<std::string> names = source.objects;
  if (names.empty()) names = hubspot_known_objects();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "contacts") o.objects.push_back(contacts_object());
    else if (names[i] == "companies") o.objects.push_back(companies_object());
    else {
      YAML::Node at = block["objects"].IsSequence() ? block["objects"][i] : block["objects"];
      common.error(at, fmt::format("objects: unknown HubSpot object '{}' (known: contacts, companies)",
                                   common.written(at, names[i])));
    }
  }

  // fields: record field → HubSpot property, applied to every object.
  for (const auto& [field, property] : source.fields) {
    const auto& known = hubspot_record_fields();
    if (std::find(known.begin(), known.end(), field) == known.end()) {
      common.error(block["fields"][field].IsDefined() ? block["fields"][field] : block["fields"],
                   fmt::format("fields: unknown record field '{}' (known: name, given_name, family_name, email, phone, "
                               "company, national_id)",
                               field));
      continue;
    }
    if (!valid_property_name(property)) {
      common.error(block["fields"][field], fmt::format("fields.{}: '{}' is not a HubSpot property name", field,
                                                       common.written(block["fields"][field], property)));
      continue;
    }
    for (auto& obj : o.objects)
      for (auto& [f, p] : obj.fields)
        if (f == field) p = property;
  }
  o.extra = common.extra_fields(valid_property_name, "a HubSpot property name");
  std::sort(o.extra.begin(), o.extra.end());

  for (auto& obj : o.objects) {
    for (const auto& [f, p] : obj.fields) add_unique(obj.properties, p);
    add_unique(obj.properties, obj.modified_property);
    add_unique(obj.properties, "hs_merged_object_ids");
    for (const auto& e : o.extra) add_unique(obj.properties, e);
  }

  o.web_url = source.web_url;
  if (o.web_url.empty() && !o.portal_id.empty())
    o.web_url = "https://app.hubspot.com/contacts/{portal_id}/record/{object_type_id}/{id}";
  o.list_page_size = std::clamp(source.settings.page_size, 1, 100);
  o.search_page_size = std::clamp(source.settings.page_size, 1, 200);
  return o;
}

}  // namespace crm
