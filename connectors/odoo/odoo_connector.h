// The `type: odoo` connector: Odoo's external JSON-RPC API over res.partner, which holds
// people and companies alike (is_company decides the kind). Each run logs in once
// (common.authenticate: the uid, or false for a wrong login/password/API key), then pages
// object.execute_kw search_read with a keyset domain (odoo_request.h): incremental runs
// filter write_date >= watermark - overlap ordered by (write_date, id); full passes go by
// id. Archived partners (active = false) are read too (context active_test: false) and
// become tombstones; partners deleted outright (unlink, or merged away by the merge
// wizard) leave nothing behind and are found by the engine's full pass. See README.md.
#pragma once

#include "connectors/connector_type.h"

namespace crm {

const ConnectorType& odoo_connector_type();

}  // namespace crm
