// DynamicsOptions: a `type: dynamics` source block, parsed and checked. The same parser
// serves `crm-index check` (with an error sink, so every problem gets file:line:col) and
// the connector's construction (without one, after the block passed).
//
// The table of entity sets the connector knows (contacts, accounts) lives here too:
// their id column, record kind, entity logical name (for web_url) and default mapping.
// Pure data and pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "connectors/source_options.h"
#include "core/record.h"

namespace crm {

// The Dataverse Web API root under base_url (https://learn.microsoft.com/power-apps/
// developer/data-platform/webapi/compose-http-requests-handle-errors).
inline constexpr std::string_view kDynamicsApiPath = "/api/data/v9.2";
// Prefer: odata.maxpagesize is honoured up to 5,000; larger values are silently ignored
// (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results).
inline constexpr int kDynamicsMaxPageSize = 5000;
// The annotation that carries a lookup's display name (the parent account's name).
inline constexpr std::string_view kFormattedValue = "@OData.Community.Display.V1.FormattedValue";
inline constexpr std::string_view kLookupLogicalName = "@Microsoft.Dynamics.CRM.lookuplogicalname";

// What plain deactivated rows (statecode 1, not merged) become: Dataverse still treats
// them as customers, so `index` is the default; `tombstone` hides them from the index.
enum class InactivePolicy { index, tombstone };

// One entity set: its name in URLs, its primary key column and how its rows are mapped.
struct DynamicsObject {
  std::string set;          // entity set name: contacts
  std::string logical;      // entity logical name, for web_url's etn=: contact
  std::string id_column;    // contactid
  RecordKind kind = RecordKind::person;
  // record field → column; a value "col@Annotation" reads that annotation of col.
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string> extra;  // extra_fields: plain columns
};

struct DynamicsOptions {
  std::vector<DynamicsObject> objects;  // in the order they are read
  InactivePolicy inactive = InactivePolicy::index;
  std::string web_url;  // template with {base_url}, {object}, {id}
};

// The keys a dynamics source block has beyond the common ones.
std::span<const OptionSpec> dynamics_own_options();
// The default web_url template: Dynamics' record form, per object.
inline constexpr std::string_view kDynamicsDefaultWebUrl =
    "{base_url}/main.aspx?etn={object}&id={id}&pagetype=entityrecord";

// Parses source (objects, fields, extra_fields, web_url, auth, the own key `inactive`);
// problems go to `errors` when given (then the result may be partial).
DynamicsOptions parse_dynamics_options(const SourceConfig& source, ConfigErrors* errors);

// The columns of `$select` for an object: id, mapped columns (annotations stripped),
// extra columns, then modifiedon, statecode, merged, _masterid_value; no duplicates.
std::vector<std::string> dynamics_select_columns(const DynamicsObject& object);

}  // namespace crm
