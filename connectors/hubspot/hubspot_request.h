// The requests the HubSpot connector sends: list URLs and search bodies. Pure functions;
// thread-safe. See crm-apis.md "HubSpot" and
// https://developers.hubspot.com/docs/api/crm/search.
#pragma once

#include <cstdint>
#include <string>

#include "connectors/hubspot/hubspot_options.h"
#include "connectors/hubspot/hubspot_page_token.h"

namespace crm {

// GET {base}{prefix}/{object}?limit=..&properties=..[&archived=true][&after=..]
std::string hubspot_list_url(const std::string& base_url, const HubspotOptions& options,
                             const HubspotObject& object, bool archived, const std::string& after);
// POST {base}{prefix}/{object}/search
std::string hubspot_search_url(const std::string& base_url, const HubspotOptions& options,
                               const HubspotObject& object);
// The search body for a search or instant token. Time values are epoch milliseconds
// (HubSpot reads a number as milliseconds; epoch seconds would silently mean 1970).
std::string hubspot_search_body(const HubspotOptions& options, const HubspotObject& object,
                                const HubspotPageToken& token);

}  // namespace crm
