#include "connectors/registry.h"

#include "connectors/hubspot/hubspot_connector.h"
#include "connectors/odoo/odoo_connector.h"
#include "connectors/dynamics/dynamics_connector.h"
#include "connectors/pipedrive/pipedrive_connector.h"
#include "connectors/rest/rest_connector.h"
#include "connectors/salesforce/salesforce_connector.h"
#include "connectors/zoho/zoho_connector.h"

namespace crm {

const std::vector<ConnectorType>& connector_types() {
  static const std::vector<ConnectorType> types = {
      rest_connector_type(),       dynamics_connector_type(), hubspot_connector_type(),
      salesforce_connector_type(), odoo_connector_type(),     pipedrive_connector_type(),
      zoho_connector_type(),
  };
  return types;
}

const ConnectorType* find_connector_type(std::string_view name) {
  for (const auto& t : connector_types())
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace crm
