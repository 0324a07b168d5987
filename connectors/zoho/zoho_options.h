// ZohoOptions: a `type: zoho` source block, parsed and checked. The same parser serves
// `crm-index check` (with an error sink, so every problem gets file:line:col) and the
// connector's construction (without one, after the block passed).
//
// The table of modules the connector knows (Contacts, Accounts) lives here too: their
// record kind and default field mapping, in Zoho's field API names.
// Pure data and pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "connectors/source_options.h"
#include "core/record.h"

namespace crm {

// The bundled OpenAPI files describe v8; v2.1 to v8 list records the same way
// (https://www.zoho.com/crm/developer/docs/api/v8/get-records.html).
inline constexpr std::string_view kZohoDefaultApiVersion = "v8";
// per_page is at most 200 (also the default).
inline constexpr int kZohoMaxPerPage = 200;
// Get Records takes at most 50 field API names in `fields` (more: LIMIT_EXCEEDED).
inline constexpr size_t kZohoMaxFields = 50;
// The Authorization scheme Zoho wants, although its token answer says "Bearer".
inline constexpr std::string_view kZohoAuthScheme = "Zoho-oauthtoken";

// One module: its API name in URLs and how its records are mapped.
struct ZohoModule {
  std::string name;  // Contacts | Accounts
  RecordKind kind = RecordKind::person;
  // record field → field API name; a lookup ({"name","id"}) gives its name.
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string> extra;  // extra_fields: field API names
};

struct ZohoOptions {
  std::vector<ZohoModule> modules;  // in the order they are read
  std::string api_version{kZohoDefaultApiVersion};
  std::string web_url;  // template with {app_url}, {object}, {id}
  std::string app_url;  // https://crm.zoho.eu for https://www.zohoapis.eu, else base_url
};

// The keys a zoho source block has beyond the common ones.
std::span<const OptionSpec> zoho_own_options();
inline constexpr std::string_view kZohoDefaultWebUrl = "{app_url}/crm/tab/{object}/{id}";

// Parses source (objects, fields, extra_fields, web_url, auth, the own key api_version);
// problems go to `errors` when given (then the result may be partial).
ZohoOptions parse_zoho_options(const SourceConfig& source, ConfigErrors* errors);

// The web client's host for an API host: www.zohoapis.<dc> → crm.zoho.<dc>; anything
// else (a test server) is returned as it is.
std::string zoho_app_url(std::string_view base_url);

// The field API names for `fields=`: mapped fields, extra fields, then Modified_Time; no
// duplicates (id is always returned and must not be asked for).
std::vector<std::string> zoho_field_names(const ZohoModule& module);

}  // namespace crm
