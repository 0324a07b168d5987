// ConnectorType: what the registry knows of one connector type — its `type:` name, what
// its records say in crm_type, the config keys it adds to the common ones, its config
// check and its factory. Each connector's header declares one descriptor
// (`const ConnectorType& hubspot_connector_type();`), defined in its .cpp with
// connector_type<>() below; registry.cpp lists them. Immutable; thread-safe.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "connectors/connector.h"
#include "connectors/source_options.h"
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

// The descriptor of connector class `Impl` (a SourceConnector, source_connector.h) under
// `name`, its own keys from its options table: one per class, made on the first call
// (each connector's <crm>_connector_type() is the only caller).
template <class Impl>
const ConnectorType& connector_type(std::string_view name, std::span<const OptionSpec> own_options) {
  static const ConnectorType type{name, name, option_keys(own_options), Impl::validate,
                                  [](const SourceConfig& source, HttpClient& http) -> std::unique_ptr<Connector> {
                                    return std::make_unique<Impl>(source, http);
                                  }};
  return type;
}

}  // namespace crm
