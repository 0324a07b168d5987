#include "connectors/registry.h"

#include "connectors/rest/rest_connector.h"

namespace crm {

const std::vector<ConnectorType>& connector_types() {
  static const std::vector<ConnectorType> types = {
      {"rest", "rest", rest_own_keys(), validate_rest_source, make_rest_connector},
  };
  return types;
}

const ConnectorType* find_connector_type(std::string_view name) {
  for (const auto& t : connector_types())
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace crm
