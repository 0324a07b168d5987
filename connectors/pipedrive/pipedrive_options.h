// PipedriveOptions: a `type: pipedrive` source block, parsed and checked, plus the table
// of the objects the connector reads (persons → person, organizations → company). The
// same parser serves `crm-index check` (with an error sink, so every problem has its
// file:line:col) and the connector's construction (without one, after the block passed).
// Value type; thread-compatible.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "connectors/source_options.h"
#include "core/record.h"

namespace crm {

// "Please note that a maximum value of 500 is allowed" (the v2 spec's `limit`, in prose
// only, so a mock built from the spec accepts more: the cap has to live here).
inline constexpr int kPipedriveMaxPageSize = 500;
// `ids=` takes "up to 100 entity ids" (openapi-v2.yaml, GET /organizations).
inline constexpr size_t kPipedriveMaxIds = 100;

enum class PipedriveObjectKind { persons, organizations };

struct PipedriveObject {
  PipedriveObjectKind which = PipedriveObjectKind::persons;
  std::string name;  // "persons" | "organizations": the v2 path segment
  RecordKind kind = RecordKind::person;
  std::string web_segment;  // "person" | "organization": https://acme.pipedrive.com/person/42
};

struct PipedriveOptions {
  std::vector<PipedriveObject> objects;  // in the order they are read
  std::string web_url;                   // template with {base_url}, {object}, {id}
  // national_id / extra_fields: keys of the v2 `custom_fields` map (40-hex hashes) or
  // top-level scalar fields (label ids, owner_id, …).
  std::string national_id_field;
  std::string country_field;  // persons have no country of their own in v2: a custom field
  std::vector<std::string> extra;
  // Incremental runs re-read the persons of every organization changed since the
  // watermark, so that a renamed organization's new name reaches its persons (whose own
  // update_time does not move). Costs one request per changed organization.
  bool follow_org_renames = true;
  int page_size = 100;  // min(source page_size, 500)

  bool reads(PipedriveObjectKind k) const;
};

// The keys a pipedrive source block has beyond the common ones.
std::span<const OptionSpec> pipedrive_own_options();
// The default web_url: the record's page in the Pipedrive web app.
inline constexpr std::string_view kPipedriveDefaultWebUrl = "{base_url}/{object}/{id}";

// Parses source (objects, fields, extra_fields, web_url, auth, the own key
// follow_org_renames); problems go to `errors` when given (then the result may be partial).
PipedriveOptions parse_pipedrive_options(const SourceConfig& source, ConfigErrors* errors);

}  // namespace crm
