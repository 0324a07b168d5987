// The declarative `type: rest` connector for in-house CRMs: list path, templated query
// parameters, an items pointer, five pagination styles, field mapping by JSON pointer
// and configurable timestamp formats, all described in YAML (see README.md here).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/connector.h"
#include "http/http_client.h"

namespace crm {

std::vector<std::string> rest_own_keys();
void validate_rest_source(const SourceConfig& source, ConfigErrors& errors);
std::unique_ptr<Connector> make_rest_connector(const SourceConfig& source, HttpClient& http);

}  // namespace crm
