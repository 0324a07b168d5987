// The table of connector types: name → config validation and factory. Explicit on
// purpose (connectors/registry.cpp): static self-registration is dropped by linkers
// from static libraries. Immutable; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "connectors/connector_type.h"

namespace crm {

const ConnectorType* find_connector_type(std::string_view name);
const std::vector<ConnectorType>& connector_types();

}  // namespace crm
