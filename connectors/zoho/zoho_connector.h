// The `type: zoho` connector: Zoho CRM REST API (v2.1 … v8, default v8) over Contacts
// (persons) and Accounts (companies), in a data centre's API host (base_url).
//
// It reads each module in keyset windows sorted by Modified_Time ascending: a window is
// requested with If-Modified-Since (the window start − 1 s, +00:00) and page 1; the next
// window starts at the last Modified_Time seen, so records edited while a run pages (which
// move to the end of the order) cannot shift unread records past it, and the 2,000-record
// wall of page numbers is never reached. Only a page that is all one timestamp continues
// its window, with info.next_page_token. 204 (and 304) answers are empty pages.
// Deletions come from /{Module}/deleted?type=all since the watermark (deleted_since).
// Tokens are sent as "Authorization: Zoho-oauthtoken …" unless auth.scheme says
// otherwise. See README.md here.
#pragma once

#include "connectors/connector_type.h"

namespace crm {

const ConnectorType& zoho_connector_type();

}  // namespace crm
