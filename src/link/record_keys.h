// record_keys(): the identifiers a record can be linked or suggested by, normalised
// (link/normalize.h) and hashed. The hash is what link_keys stores and looks up; the
// value is what a person reads in a customer's reasons. Keys are scoped by record kind:
// a person and a company never share one. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/record.h"
#include "link/link_rules.h"

namespace crm {

// Bump when a normaliser changes what it produces: every key is then recomputed.
inline constexpr int kKeyVersion = 1;

struct LinkKey {
  LinkRule rule = LinkRule::email;
  uint64_t hash = 0;
  std::string value;  // "zoe@example.com", "+49301234567", "zoe smith | acme gmbh"
};

struct LinkFields {
  RecordKind kind = RecordKind::person;
  std::string_view name, given_name, family_name, email, phone, company, national_id;
};

// What normalisation needs to know about the record's source.
struct KeyOptions {
  const LinkingConfig* linking = nullptr;
  std::string_view phone_region;
  bool strip_email_tags = false;
};

// Appends the record's keys to `out` (only rules switched on in options.linking).
void record_keys(const LinkFields& r, const KeyOptions& options, std::vector<LinkKey>& out);

uint64_t key_hash(LinkRule rule, RecordKind kind, std::string_view value);

}  // namespace crm
