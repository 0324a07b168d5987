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
#include "link/normalize.h"

namespace crm {

// Bump when a normaliser changes what it produces: every key is then recomputed.
inline constexpr int kKeyVersion = 2;

struct LinkKey {
  LinkRule rule = LinkRule::email;
  uint64_t hash = 0;
  std::string value;  // "zoe@example.com", "+49301234567", "zoe smith | acme gmbh"
};

struct LinkFields {
  RecordKind kind = RecordKind::person;
  std::string_view name, given_name, family_name, email, phone, company, national_id;
  std::string_view country;  // reads a national phone number (link/country_region.h)
};

// What normalisation needs to know about the record's source.
struct KeyOptions {
  const LinkingConfig* linking = nullptr;
  std::string_view phone_region;
  bool strip_email_tags = false;
  // Answers "does the index hold this E.164 number from another record?" for a national
  // number without a region (normalize.h resolve_national). nullptr: such numbers get
  // only their phone_national key.
  const PhoneProbe* phones = nullptr;
};

// Phone keys: the phone rule's key is the E.164 number AND the record's name key, so a
// phone links only records whose names agree; phone_other_name is the number alone, for
// suggestions. A national number no region reads gets a phone_national key.
// Appends the record's keys to `out` (only rules switched on in options.linking).
void record_keys(const LinkFields& r, const KeyOptions& options, std::vector<LinkKey>& out);

uint64_t key_hash(LinkRule rule, RecordKind kind, std::string_view value);

// What "their names agree" means for the phone rule: persons, the initial of the first
// given name and the family name, folded ("Anna Maria Meier" = "A. Meier" = "a meier";
// "Peter Meier" differs); without separate fields, the first and last words of the name. Companies: the whole
// folded name. "" for a record without a name (it agrees only with nameless records).
std::string phone_name_key(const LinkFields& r);

// The phone_national key of national digits: their last 7.
uint64_t national_key_hash(RecordKind kind, std::string_view digits);

}  // namespace crm
