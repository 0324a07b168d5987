#include "connectors/dynamics/dynamics_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "connectors/source_options.h"

namespace crm {
namespace {

// A Dataverse column name: logical names are [a-z0-9_]; lookups read as _x_value.
bool valid_column(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// "column" or "column@Some.Annotation.Name".
bool valid_mapping(std::string_view s) {
  size_t at = s.find('@');
  if (at == std::string_view::npos) return valid_column(s);
  std::string_view ann = s.substr(at + 1);
  return valid_column(s.substr(0, at)) && !ann.empty() &&
         std::all_of(ann.begin(), ann.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
         });
}

DynamicsObject default_object(std::string_view set) {
  DynamicsObject o;
  if (set == "contacts") {
    o = {"contacts", "contact", "contactid", RecordKind::person,
         {{"name", "fullname"},
          {"given_name", "firstname"},
          {"family_name", "lastname"},
          {"email", "emailaddress1"},
          {"phone", "telephone1"},
          // The parent customer's display name, computed at read time (no $expand needed).
          {"company", "_parentcustomerid_value" + std::string(kFormattedValue)}},
         {}};
  } else {
    o = {"accounts", "account", "accountid", RecordKind::company,
         {{"name", "name"}, {"email", "emailaddress1"}, {"phone", "telephone1"}},
         {}};
  }
  return o;
}

constexpr OptionSpec kDynamicsOptions[] = {
    {"inactive", OptionSpec::choice, "index",
     "what plain deactivated rows (statecode 1, not merged) become: index, or tombstone"},
};

}  // namespace

std::span<const OptionSpec> dynamics_own_options() { return kDynamicsOptions; }

DynamicsOptions parse_dynamics_options(const SourceConfig& source, ConfigErrors* errors) {
  DynamicsOptions o;
  const YAML::Node& block = source.node;
  const SourceOptions common(source, errors);

  for (const auto& set :
       common.objects({"contacts", "accounts"}, "object", "; entity set names are plural and lower case"))
    o.objects.push_back(default_object(set));

  // auth: Dataverse takes OAuth 2.0 bearer tokens only.
  const YAML::Node auth = block["auth"];
  if (source.auth.type.empty() && !auth.IsDefined()) {
    common.error(block,
                 "type dynamics needs auth: { type: oauth2, grant: client_credentials, token_url, client_id, "
                 "client_secret, scope: https://<org>.crm<N>.dynamics.com/.default }");
  } else if (!source.auth.type.empty() && source.auth.type != "oauth2" && source.auth.type != "bearer") {
    common.error(
        auth["type"].IsDefined() ? auth["type"] : auth,
        fmt::format("auth.type: '{}' is not accepted by Dataverse (use oauth2, or bearer with a token from elsewhere)",
                    source.auth.type));
  } else if (source.auth.type == "oauth2" && source.auth.scope.empty()) {
    common.error(auth,
                 "auth.scope: the Microsoft identity platform needs the environment's scope, "
                 "e.g. https://acme.crm4.dynamics.com/.default");
  }

  // base_url is the environment root: the connector appends /api/data/v9.2.
  if (source.base_url.find("/api/data") != std::string::npos)
    common.error(block["base_url"],
                 "base_url: give the environment root (https://acme.crm4.dynamics.com); "
                 "the connector appends /api/data/v9.2");

  // fields: record field → column (or column@Annotation), applied to every object.
  for (const auto& [field, column] :
       common.fields(mappable_record_fields(), "the id and modifiedon are fixed", valid_mapping, "a column name",
                     "e.g. new_taxid, or "
                     "_parentcustomerid_value@OData.Community.Display.V1.FormattedValue"))
    for (auto& obj : o.objects) set_mapping(obj.fields, field, column);
  const std::vector<std::string> extra = common.extra_fields(valid_column, "a column name");
  for (auto& obj : o.objects) obj.extra = extra;

  if (common.choice("inactive", "index", "tombstone") == "tombstone") o.inactive = InactivePolicy::tombstone;
  o.web_url = common.web_url(kDynamicsDefaultWebUrl, "{base_url}, {object}");
  return o;
}

std::vector<std::string> dynamics_select_columns(const DynamicsObject& object) {
  std::vector<std::string> cols = {object.id_column};
  auto add = [&](std::string c) {
    if (size_t at = c.find('@'); at != std::string::npos) c.resize(at);
    if (!contains(cols, c)) cols.push_back(std::move(c));
  };
  for (const auto& [field, column] : object.fields) add(column);
  for (const auto& c : object.extra) add(c);
  for (const char* c : {"modifiedon", "statecode", "merged", "_masterid_value"}) add(c);
  return cols;
}

}  // namespace crm
