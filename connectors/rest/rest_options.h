// RestOptions: a `type: rest` source block, parsed and checked. The same parser serves
// `crm-index check` (with an error sink) and the connector's construction.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "connectors/json_fields.h"
#include "connectors/source_options.h"
#include "core/record.h"

namespace crm {

enum class PageStyle { next_url, link_header, page, offset, cursor };

struct RestOptions {
  std::string path;                                          // list.path
  std::vector<std::pair<std::string, std::string>> params;   // list.params, templates
  std::string items;                                         // list.items, JSON pointer
  PageStyle style = PageStyle::next_url;                     // list.pagination.style
  std::string next_pointer;  // next_url: pointer to the next URL; cursor: to the next cursor
  long first_page = 1;       // page style: number of the first page
  // list.pagination.shifts: the listing moves under a pass (page numbers, offsets behind
  // next links); unset: page/offset styles shift, next links are judged by their query.
  std::optional<bool> shifts;
  std::vector<std::pair<std::string, std::string>> fields;  // record field → JSON pointer
  std::vector<std::pair<std::string, std::string>> extra;   // extra key → JSON pointer
  TimestampSpec timestamp;   // timestamp_format
  TimestampSpec watermark;   // watermark_format
  RecordKind default_kind = RecordKind::person;  // kind: when fields.kind is not mapped
};

// The keys a rest source block has beyond the common ones.
std::span<const OptionSpec> rest_own_options();
// The record fields a `fields:` block may map.
const std::vector<std::string>& rest_record_fields();

// Parses source.node; problems go to `errors` when given (then the result is partial).
RestOptions parse_rest_options(const SourceConfig& source, ConfigErrors* errors);

}  // namespace crm
