// SalesforceOptions: a `type: salesforce` source block, parsed and checked: the API
// version, the objects to read with their field mapping, the query batch size, and the
// optional daily-quota reserve. The same parser serves `crm-index check` (with an error
// sink, every problem with its file:line:col) and the connector's construction.
// Value type; pure functions; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "connectors/source_options.h"
#include "core/record.h"

namespace crm {

struct SfObject {
  std::string name;  // Contact, Account, Lead
  RecordKind kind = RecordKind::person;
  // record field (name, email, … as `fields:` names them; external_id, kind and
  // updated_at are fixed: Id, the object, SystemModstamp) → Salesforce field (dotted for
  // a parent's field: Account.Name)
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string> extra;  // extra_fields, sorted
};

struct SalesforceOptions {
  std::string api_version = "v62.0";  // "vNN.N", as it goes into the path
  std::vector<SfObject> objects;      // in the order they are read
  int batch_size = 2000;              // Sforce-Query-Options: batchSize (200..2000)
  std::optional<double> quota_reserve;  // skip runs when remaining daily requests < share
  bool pin_base_url = false;  // true: never take instance_url from the token response
  std::string web_url = "{instance_url}/lightning/r/{object}/{id}/view";
};

inline constexpr int kMinBatchSize = 200;   // documented limits of Sforce-Query-Options
inline constexpr int kMaxBatchSize = 2000;  // headers_queryoptions.htm

// The objects this connector knows, and their default mapping.
const std::vector<SfObject>& salesforce_known_objects();
// A SOQL field name (letters, digits, _; dotted parent paths; __c / __r suffixes).
bool valid_soql_field(std::string_view name);

// Parses source (objects, fields, extra_fields, web_url, settings.page_size) and the
// own keys api_version, quota_reserve, pin_base_url. Problems go to `errors` when given.
SalesforceOptions parse_salesforce_options(const SourceConfig& source, ConfigErrors* errors);

// The keys a salesforce source block has beyond the common ones.
std::span<const OptionSpec> salesforce_own_options();

}  // namespace crm
