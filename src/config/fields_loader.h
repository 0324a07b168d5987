// A source's `fields:` block: record field → the CRM's field (or JSON pointer), written
// either as that string or as a mapping that also says what to do to the text:
//   fields:
//     email: /attributes/email1
//     family_name: { from: /attributes/last_name, decode: html, trim: true }
//     name: { decode: html }        # no `from`: the connector's own mapping, transformed
// Internal to src/config/. Not thread-safe (writes to the LoadContext).
#pragma once

#include "config/config.h"
#include "config/load_context.h"
#include "config/yaml_fields.h"

namespace crm {

// The record fields `decode` and `trim` apply to: the text ones (not ids, times, flags).
const std::vector<std::string>& transformable_fields();

void read_fields(const Field& f, SourceConfig& out, LoadContext& ctx);

}  // namespace crm
