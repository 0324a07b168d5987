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
      {"rest", "rest", rest_own_keys(), validate_rest_source, make_rest_connector},
      {"dynamics", "dynamics", dynamics_own_keys(), validate_dynamics_source, make_dynamics_connector},
      {"hubspot", "hubspot", hubspot_connector_own_keys(), validate_hubspot_source, make_hubspot_connector},
      {"salesforce", "salesforce", salesforce_own_keys(), validate_salesforce_source, make_salesforce_connector},
      {"odoo", "odoo", odoo_connector_own_keys(), validate_odoo_source, make_odoo_connector},
      {"pipedrive", "pipedrive", pipedrive_connector_own_keys(), validate_pipedrive_source, make_pipedrive_connector},
      {"zoho", "zoho", zoho_own_keys(), validate_zoho_source, make_zoho_connector},
  };
  return types;
}

const ConnectorType* find_connector_type(std::string_view name) {
  for (const auto& t : connector_types())
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace crm
