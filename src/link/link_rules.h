// The rules of design.md "Linking". National id, email and phone join records into one
// customer; the name rules and phone_other_name only ever suggest. A phone links only
// records whose names agree (record_keys.h). The numbers are stored in
// link_keys.rule (sql/0003_link.sql): never renumber them.
#pragma once

#include <cstdint>
#include <string_view>

namespace crm {

enum class LinkRule : uint8_t {
  national_id = 1,
  email = 2,
  phone = 3,
  name_company = 4,
  name_phone_country = 5,
  // The same E.164 number whatever the names: a suggestion between records the phone
  // did not link (their names differ: a family line, a reception desk).
  phone_other_name = 6,
  // Not a rule: a national number no region was given for, by its last 7 digits, so that
  // a record bringing that number in E.164 finds it (linker.cpp). Never links or suggests.
  phone_national = 7,
};

constexpr bool rule_links(LinkRule r) { return r == LinkRule::national_id || r == LinkRule::email || r == LinkRule::phone; }

constexpr std::string_view rule_name(LinkRule r) {
  switch (r) {
    case LinkRule::national_id: return "national_id";
    case LinkRule::email: return "email";
    case LinkRule::phone: return "phone";
    case LinkRule::name_company: return "name_company";
    case LinkRule::name_phone_country: return "name_phone_country";
    case LinkRule::phone_other_name: return "phone_other_name";
    case LinkRule::phone_national: return "phone_national";
  }
  return "unknown";
}

// A linking identifier with more records than this is not an identity (a role mailbox
// used across departments, a call-centre number): it links no one.
inline constexpr int kMaxKeyMembers = 50;
// Weak evidence shared by more records than this makes no suggestions (every "John
// Smith" at a large company would be suggested with every other).
inline constexpr int kMaxSuggestionMembers = 20;

}  // namespace crm
