#include "connectors/pipedrive/pipedrive_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "connectors/source_options.h"

namespace crm {
namespace {

// A custom field key (40 hex digits) or a top-level field name: [A-Za-z0-9_].
bool valid_field_name(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

PipedriveObject object_named(std::string_view name) {
  if (name == "persons") return {PipedriveObjectKind::persons, "persons", RecordKind::person, "person"};
  return {PipedriveObjectKind::organizations, "organizations", RecordKind::company, "organization"};
}

constexpr OptionSpec kPipedriveOptions[] = {
    {"follow_org_renames", OptionSpec::boolean, "true",
     "incremental runs read the persons of every organization changed since again, so that a new name "
     "reaches them"},
};

}  // namespace

std::span<const OptionSpec> pipedrive_own_options() { return kPipedriveOptions; }

bool PipedriveOptions::reads(PipedriveObjectKind k) const {
  return std::any_of(objects.begin(), objects.end(), [&](const PipedriveObject& o) { return o.which == k; });
}

PipedriveOptions parse_pipedrive_options(const SourceConfig& source, ConfigErrors* errors) {
  PipedriveOptions o;
  const YAML::Node& block = source.node;
  const SourceOptions common(source, errors);

  for (const auto& name : common.objects({"persons", "organizations"}, "Pipedrive object"))
    o.objects.push_back(object_named(name));

  // Auth: the API token in the x-api-token header, or OAuth 2.0 (Authorization: Bearer).
  // The ?api_token= query form works at Pipedrive but puts the token in every proxy and
  // server log, so it is refused here (crm-apis.md, Pipedrive, Authentication).
  const AuthConfig& auth = source.auth;
  const YAML::Node auth_node = block["auth"];
  if (auth.type.empty()) {
    common.error(block,
                 "type pipedrive needs auth: { type: api_key, in: header, name: x-api-token, value_file: ... } "
                 "or type: oauth2");
  } else if (auth.type == "api_key") {
    std::string lower = auth.name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (auth.in != "header" || lower != "x-api-token")
      common.error(auth_node,
                   "auth: Pipedrive's API token goes in the header x-api-token (in: header, name: x-api-token); "
                   "the api_token query parameter would write the token into access logs");
  } else if (auth.type == "oauth2" && auth.client_auth != "basic") {
    common.error(auth_node,
                 "auth: Pipedrive's token endpoint takes the client id and secret as HTTP Basic "
                 "credentials: add client_auth: basic");
  } else if (auth.type != "oauth2" && auth.type != "bearer") {
    common.error(auth_node["type"].IsDefined() ? auth_node["type"] : auth_node,
                 fmt::format("auth.type '{}' does not work with Pipedrive: use api_key (x-api-token header) or oauth2",
                             auth.type));
  }
  if (source.base_url.find("/api/v") != std::string::npos)
    common.error(block["base_url"],
                 "base_url: give the company domain (https://acme.pipedrive.com); the connector "
                 "appends /api/v2/...");

  for (const auto& [field, key] : source.fields) {
    YAML::Node at = block["fields"][field];
    if (field != "national_id" && field != "country") {
      common.error(at.IsDefined() ? at : block["fields"],
                   fmt::format("fields: '{}' cannot be mapped here (only national_id and country; name, emails, phones and the "
                               "organization name are fixed)",
                               field));
      continue;
    }
    if (!valid_field_name(key)) {
      common.error(at,
                   fmt::format("fields.{}: '{}' is not a Pipedrive field key (a custom field's 40-hex key)",
                               field, common.written(at, key)));
      continue;
    }
    (field == "country" ? o.country_field : o.national_id_field) = key;
  }
  o.extra = common.extra_fields(valid_field_name, "a Pipedrive field key");

  o.follow_org_renames = common.boolean("follow_org_renames").value_or(o.follow_org_renames);

  o.web_url = common.web_url(kPipedriveDefaultWebUrl, "{base_url}, {object}");
  o.page_size = std::clamp(source.settings.page_size, 1, kPipedriveMaxPageSize);
  return o;
}

}  // namespace crm
