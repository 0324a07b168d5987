// The table of connector types: name → config validation and factory. Explicit on
// purpose (connectors/registry.cpp): static self-registration is dropped by linkers
// from static libraries. Immutable; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "connectors/connector.h"
#include "http/http_client.h"

namespace crm {

struct ConnectorType {
  std::string_view name;
  std::string_view crm_type;  // what records of this type say in crm_type
  // Keys a source block of this type may hold beyond the common ones (config.cpp).
  std::vector<std::string> own_keys;
  // Checks the type's own keys (and the common ones it needs) at load time, so that a
  // typo fails `crm-index check`, not the 3 a.m. poll.
  void (*validate)(const SourceConfig& source, ConfigErrors& errors);
  // Builds a connector from a source that passed validate(). `http` outlives it.
  std::unique_ptr<Connector> (*make)(const SourceConfig& source, HttpClient& http);
};

const ConnectorType* find_connector_type(std::string_view name);
const std::vector<ConnectorType>& connector_types();

}  // namespace crm
