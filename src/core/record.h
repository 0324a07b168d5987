// Record: the minimal customer record of design.md, as a connector hands it to the sync
// engine. Text fields use "" for "the CRM has no value" (the API renders that as null).
// Value type; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/time.h"

namespace crm {

enum class RecordKind { person, company };

const char* to_string(RecordKind kind);
bool parse_record_kind(std::string_view s, RecordKind& out);

struct Record {
  std::string external_id;  // the CRM's own id, as text
  RecordKind kind = RecordKind::person;
  std::string name;
  std::string given_name;
  std::string family_name;
  std::string email;
  std::string phone;
  std::string company;
  std::string national_id;
  std::string country;  // as the CRM writes it ("DE", "Germany"); reads national phone numbers
  TimePoint remote_updated_at{};
  std::string web_url;
  std::string extra;  // canonical JSON object of operator-chosen fields, "" when none

  // Set by connectors that see deletions inline (Salesforce queryAll, HubSpot archived):
  // the record is a tombstone, and merged_into names the survivor when the CRM merged it.
  bool deleted = false;
  std::string merged_into;
};

// A deletion reported by a CRM's deleted-records endpoint.
struct Deletion {
  std::string external_id;
  TimePoint deleted_at{};
  std::string merged_into;
};

}  // namespace crm
