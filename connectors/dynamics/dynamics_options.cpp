#include "connectors/dynamics/dynamics_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace crm {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

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

void set_field(DynamicsObject& o, const std::string& field, const std::string& column) {
  for (auto& [f, c] : o.fields)
    if (f == field) {
      c = column;
      return;
    }
  o.fields.emplace_back(field, column);
}

}  // namespace

const std::vector<std::string>& dynamics_known_objects() {
  static const std::vector<std::string> v = {"contacts", "accounts"};
  return v;
}

const std::vector<std::string>& dynamics_record_fields() {
  static const std::vector<std::string> v = {"name",  "given_name", "family_name", "email",
                                             "phone", "company",    "national_id"};
  return v;
}

DynamicsOptions parse_dynamics_options(const SourceConfig& source, ConfigErrors* errors) {
  DynamicsOptions o;
  const YAML::Node& block = source.node;
  auto err = [&](const YAML::Node& at, const std::string& msg) {
    if (!errors) return;
    if (at.IsDefined()) errors->add(at, fmt::format("source '{}': {}", source.name, msg));
    else errors->add(source.position, fmt::format("source '{}': {}", source.name, msg));
  };
  auto written = [&](const YAML::Node& n, const std::string& fallback) {
    return errors && n.IsDefined() && n.IsScalar() ? errors->as_written(n) : fallback;
  };

  // objects
  std::vector<std::string> sets = source.objects;
  if (block["objects"].IsDefined() && sets.empty())
    err(block["objects"], "objects: expected a list of contacts, accounts");
  if (!block["objects"].IsDefined()) sets = dynamics_known_objects();
  std::vector<std::string> seen;
  for (size_t i = 0; i < sets.size(); ++i) {
    // yaml-cpp throws on Type() of an absent key: test IsDefined() first.
    const YAML::Node list = block["objects"];
    YAML::Node at = list.IsDefined() && list.IsSequence() ? list[i] : list;
    if (!contains(dynamics_known_objects(), sets[i])) {
      err(at, fmt::format("objects: unknown object '{}' (known: {}; entity set names are plural and lower case)",
                          written(at, sets[i]), join(dynamics_known_objects())));
      continue;
    }
    if (contains(seen, sets[i])) {
      err(at, fmt::format("objects: '{}' is listed twice", sets[i]));
      continue;
    }
    seen.push_back(sets[i]);
    o.objects.push_back(default_object(sets[i]));
  }

  // auth: Dataverse takes OAuth 2.0 bearer tokens only.
  const YAML::Node auth = block["auth"];
  if (source.auth.type.empty() && !auth.IsDefined()) {
    err(block, "type dynamics needs auth: { type: oauth2, grant: client_credentials, token_url, client_id, "
               "client_secret, scope: https://<org>.crm<N>.dynamics.com/.default }");
  } else if (!source.auth.type.empty() && source.auth.type != "oauth2" && source.auth.type != "bearer") {
    err(auth["type"].IsDefined() ? auth["type"] : auth,
        fmt::format("auth.type: '{}' is not accepted by Dataverse (use oauth2, or bearer with a token from elsewhere)",
                    source.auth.type));
  } else if (source.auth.type == "oauth2" && source.auth.scope.empty()) {
    err(auth, "auth.scope: the Microsoft identity platform needs the environment's scope, "
              "e.g. https://acme.crm4.dynamics.com/.default");
  }

  // base_url is the environment root: the connector appends /api/data/v9.2.
  if (source.base_url.find("/api/data") != std::string::npos)
    err(block["base_url"], "base_url: give the environment root (https://acme.crm4.dynamics.com); "
                           "the connector appends /api/data/v9.2");

  // fields: record field → column (or column@Annotation), applied to every object.
  for (const auto& [field, column] : source.fields) {
    YAML::Node at = block["fields"][field];
    if (!contains(dynamics_record_fields(), field)) {
      err(block["fields"], fmt::format("fields: '{}' cannot be mapped here (known: {}; the id and modifiedon are fixed)",
                                       field, join(dynamics_record_fields())));
      continue;
    }
    if (!valid_mapping(column)) {
      err(at, fmt::format("fields.{}: '{}' is not a column name (e.g. new_taxid, or "
                          "_parentcustomerid_value@OData.Community.Display.V1.FormattedValue)",
                          field, written(at, column)));
      continue;
    }
    for (auto& obj : o.objects) set_field(obj, field, column);
  }
  for (size_t i = 0; i < source.extra_fields.size(); ++i) {
    const std::string& col = source.extra_fields[i];
    if (!valid_column(col)) {
      YAML::Node at = block["extra_fields"][i];
      err(at, fmt::format("extra_fields: '{}' is not a column name", written(at, col)));
      continue;
    }
    for (auto& obj : o.objects)
      if (!contains(obj.extra, col)) obj.extra.push_back(col);
  }

  if (YAML::Node n = block["inactive"]; n.IsDefined()) {
    std::string v = n.IsScalar() ? n.as<std::string>() : "";
    if (v == "index") o.inactive = InactivePolicy::index;
    else if (v == "tombstone") o.inactive = InactivePolicy::tombstone;
    else err(n, fmt::format("inactive: '{}' is not index or tombstone", written(n, v)));
  }

  o.web_url = source.web_url.empty() ? std::string(kDynamicsDefaultWebUrl) : source.web_url;
  if (!source.web_url.empty() && source.web_url.find("{id}") == std::string::npos)
    err(block["web_url"], "web_url: the template needs {id} (and may use {base_url}, {object})");
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
