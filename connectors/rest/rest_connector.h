// The declarative `type: rest` connector for in-house CRMs: list path, templated query
// parameters, an items pointer, five pagination styles, field mapping by JSON pointer
// and configurable timestamp formats, all described in YAML (see README.md here).
#pragma once

#include "connectors/connector_type.h"

namespace crm {

const ConnectorType& rest_connector_type();

}  // namespace crm
