// HubspotOptions: a `type: hubspot` source block, parsed and checked, plus the
// per-object table (which property carries the modification time, which properties map
// to which record field). The same parser serves `crm-index check` (with an error sink)
// and the connector's construction. Value type; thread-compatible.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "connectors/source_options.h"
#include "core/record.h"

namespace crm {

// One CRM object the connector reads (contacts or companies), with its vocabulary.
struct HubspotObject {
  std::string name;            // "contacts", "companies": the path segment
  std::string type_id;         // "0-1", "0-2": HubSpot's object type id, for web links
  RecordKind kind = RecordKind::person;
  // The property search filters and sorts on. It differs by object (crm-apis.md):
  // contacts use lastmodifieddate, companies hs_lastmodifieddate.
  std::string modified_property;
  // record field → HubSpot property ("" = not mapped). `name` empty: given + family.
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string> properties;  // what list and search ask for (mapped + extra)
};

struct HubspotOptions {
  std::string path_prefix = "/crm/v3/objects";  // HubSpot also publishes dated paths
  std::string portal_id;                        // for the default web_url
  std::string web_url;                          // template: {id} {object} {object_type_id} {portal_id}
  bool read_archived = true;                    // incremental runs read ?archived=true
  // The search endpoint's own limit: five requests per second per account
  // (https://developers.hubspot.com/docs/api/usage-details); 4/s leaves room for others.
  double search_per_second = 4.0;
  int list_page_size = 100;                     // list endpoint: at most 100
  int search_page_size = 200;                   // search endpoint: at most 200
  std::vector<HubspotObject> objects;
  std::vector<std::string> extra;               // extra_fields: property names, sorted
};

// The objects this connector knows, and the default list.
const std::vector<std::string>& hubspot_known_objects();
// Keys a hubspot source block may hold beyond the common ones.
std::span<const OptionSpec> hubspot_own_options();
// Record fields `fields:` may map.
const std::vector<std::string>& hubspot_record_fields();

// Parses source.node; problems go to `errors` when given (then the result is partial).
HubspotOptions parse_hubspot_options(const SourceConfig& source, ConfigErrors* errors);

}  // namespace crm
