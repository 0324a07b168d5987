#include "connectors/salesforce/salesforce_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "config/address_checks.h"
#include "config/value_parsers.h"
#include "connectors/source_options.h"

namespace crm {
namespace {

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

constexpr OptionSpec kSalesforceOptions[] = {
    {"api_version", OptionSpec::text, "v62.0", "the REST API version in the path, 29.0 or later"},
    {"quota_reserve", OptionSpec::ratio, "",
     "skip a run while the org's remaining daily API requests are under this share (e.g. 10%)"},
    {"pin_base_url", OptionSpec::boolean, "false",
     "true: always use base_url, never the instance_url of the token response"},
};

}  // namespace

std::span<const OptionSpec> salesforce_own_options() { return kSalesforceOptions; }

const std::vector<SfObject>& salesforce_known_objects() {
  // Standard fields only, so that the defaults work in every org and edition.
  // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contact.htm
  static const std::vector<SfObject> objects = {
      {"Contact", RecordKind::person,
       {{"name", "Name"}, {"given_name", "FirstName"}, {"family_name", "LastName"},
        {"email", "Email"}, {"phone", "Phone"}, {"company", "Account.Name"}},
       {}},
      // Account has no standard e-mail field.
      {"Account", RecordKind::company, {{"name", "Name"}, {"phone", "Phone"}}, {}},
      {"Lead", RecordKind::person,
       {{"name", "Name"}, {"given_name", "FirstName"}, {"family_name", "LastName"},
        {"email", "Email"}, {"phone", "Phone"}, {"company", "Company"}},
       {}},
  };
  return objects;
}

bool valid_soql_field(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  bool start = true;
  for (char c : name) {
    if (c == '.') {
      if (start) return false;
      start = true;
      continue;
    }
    if (!ident_char(c)) return false;
    if (start && !std::isalpha(static_cast<unsigned char>(c))) return false;
    start = false;
  }
  return !start;
}

SalesforceOptions parse_salesforce_options(const SourceConfig& source, ConfigErrors* errors) {
  SalesforceOptions o;
  const YAML::Node& block = source.node;
  const SourceOptions common(source, errors);

  if (YAML::Node v = block["api_version"]; v.IsDefined()) {
    std::string text = v.IsScalar() ? v.Scalar() : "";
    std::string digits = !text.empty() && (text[0] == 'v' || text[0] == 'V') ? text.substr(1) : text;
    size_t dot = digits.find('.');
    bool ok = dot != std::string::npos && dot >= 2 && dot <= 3 && dot + 2 == digits.size() &&
              std::all_of(digits.begin(), digits.begin() + static_cast<long>(dot),
                          [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }) &&
              std::isdigit(static_cast<unsigned char>(digits.back()));
    // queryAll and getDeleted over REST need API 29.0 or later.
    if (ok && std::stoi(digits.substr(0, dot)) < 29) ok = false;
    if (!ok)
      common.error(v, fmt::format("api_version: '{}' is not a Salesforce API version of 29.0 or later (e.g. v62.0)",
                                  common.written(v, text)));
    else
      o.api_version = "v" + digits;
  }
  if (YAML::Node v = block["quota_reserve"]; v.IsDefined() && !v.IsNull()) {
    auto r = v.IsScalar() ? parse_ratio(v.Scalar()) : std::nullopt;
    if (!r || *r >= 1.0)
      common.error(v, fmt::format("quota_reserve: '{}' is not a share below 100% (e.g. 10%)", common.written(v, "")));
    else if (*r > 0)
      o.quota_reserve = *r;
  }
  o.pin_base_url = common.boolean("pin_base_url").value_or(o.pin_base_url);

  // Const copies: operator[] on a non-const yaml-cpp node may insert into the config tree.
  const YAML::Node objects_node = block["objects"], fields_node = block["fields"],
                   extra_node = block["extra_fields"];
  const auto& known = salesforce_known_objects();
  std::vector<std::string> names = source.objects;
  if (names.empty()) names = {"Contact", "Account"};
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = std::find_if(known.begin(), known.end(), [&](const SfObject& k) { return k.name == names[i]; });
    if (it == known.end()) {
      YAML::Node at = objects_node.IsSequence() && i < objects_node.size() ? objects_node[i] : objects_node;
      common.error(
          at, fmt::format(
                  "objects: unknown Salesforce object '{}' (known: Contact, Account, Lead; names are case-sensitive)",
                  common.written(at, names[i])));
      continue;
    }
    if (std::any_of(o.objects.begin(), o.objects.end(), [&](const SfObject& x) { return x.name == names[i]; })) {
      common.error(objects_node, fmt::format("objects: '{}' is listed twice", names[i]));
      continue;
    }
    o.objects.push_back(*it);
  }

  // fields: `email: Email__c` applies to every object; `Contact.email: Work_Email__c` to one.
  for (const auto& [key, sf_field] : source.fields) {
    YAML::Node at = fields_node.IsMap() ? fields_node[key] : fields_node;
    if (!at.IsDefined()) at = fields_node;
    std::string object, target_name = key;
    if (size_t dot = key.find('.'); dot != std::string::npos) {
      object = key.substr(0, dot);
      target_name = key.substr(dot + 1);
    }
    if (!contains(mappable_record_fields(), target_name)) {
      common.error(at, fmt::format("fields: '{}' is not a record field Salesforce fields can feed (name, given_name, "
                                   "family_name, email, phone, company, national_id, country; Id and SystemModstamp are fixed)",
                                   key));
      continue;
    }
    if (!valid_soql_field(sf_field)) {
      common.error(at, fmt::format("fields.{}: '{}' is not a Salesforce field name (e.g. Tax_Id__c or Account.Name)",
                                   key, common.written(at, sf_field)));
      continue;
    }
    bool matched = object.empty();
    for (auto& obj : o.objects)
      if (object.empty() || obj.name == object) {
        set_mapping(obj.fields, target_name, sf_field);
        matched = true;
      }
    if (!matched) common.error(at, fmt::format("fields: '{}' names object '{}', which is not in objects", key, object));
  }
  std::vector<std::string> extra;
  for (size_t i = 0; i < source.extra_fields.size(); ++i) {
    if (!valid_soql_field(source.extra_fields[i])) {
      YAML::Node at = extra_node.IsSequence() && i < extra_node.size() ? extra_node[i] : extra_node;
      common.error(at, fmt::format("extra_fields: '{}' is not a Salesforce field name",
                                   common.written(at, source.extra_fields[i])));
      continue;
    }
    extra.push_back(source.extra_fields[i]);
  }
  std::sort(extra.begin(), extra.end());
  extra.erase(std::unique(extra.begin(), extra.end()), extra.end());
  for (auto& obj : o.objects) obj.extra = extra;

  if (source.auth.type != "oauth2" && source.auth.type != "bearer")
    common.error(
        block["auth"],
        source.auth.type.empty()
            ? "type salesforce needs auth (type: oauth2 with grant refresh_token or client_credentials)"
            : fmt::format("auth: type {} does not work with Salesforce (use oauth2, or bearer with a session id)",
                          source.auth.type));

  o.batch_size = std::clamp(source.settings.page_size, kMinBatchSize, kMaxBatchSize);
  if (!source.web_url.empty()) {
    o.web_url = source.web_url;
    if (o.web_url.find("{id}") == std::string::npos)
      common.error(block["web_url"], "web_url: the template needs {id} (and may use {object}, {instance_url})");
  }
  return o;
}

}  // namespace crm
