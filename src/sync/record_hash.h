// The change detector's hash: XXH3-128 over a canonical, length-prefixed encoding of the
// mapped fields, so that the same content always hashes the same whatever the order or
// formatting of the CRM's JSON.
//
// remote_updated_at is deliberately NOT hashed: CRMs move modification stamps without
// any mapped field changing (Salesforce SystemModstamp, "touch" updates), and such a
// re-read must write nothing. Pure function; thread-safe.
#pragma once

#include "core/hash128.h"
#include "core/record.h"

namespace crm {

Hash128 hash_record(const Record& record);

}  // namespace crm
