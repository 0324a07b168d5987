// Normalisers: the forms in which identifiers are compared across CRMs (design.md
// "Linking"). Two records match on a rule when their normalised values are equal, so
// these decide what "the same email" or "the same phone" means. Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crm {

struct EmailOptions {
  // Cut "+tag" from the local part for these (lower-case) domains, where the mailbox
  // provider delivers a+tag@ to a@. Empty: keep tags (the default, per source).
  const std::vector<std::string>* strip_plus_domains = nullptr;
};

// Trimmed and lower-cased ("nothing cleverer"): " Zoë@Example.COM " -> "zoë@example.com".
// nullopt when it is not an address (no '@', empty local part or domain, spaces inside).
std::optional<std::string> normalize_email(std::string_view email, const EmailOptions& options = {});

struct NormalizedPhone {
  std::string e164;       // "+493012345678"
  int country_code = 0;   // 49
};

// E.164 through libphonenumber. A national number ("030 1234567") needs `region` (ISO
// 3166 alpha-2 such as "DE"); without one only international forms parse. nullopt for
// anything libphonenumber does not hold for a valid number: such numbers are left out
// of matching rather than risk joining two people on a typo or a placeholder.
std::optional<NormalizedPhone> normalize_phone(std::string_view phone, std::string_view region);
// The same through libphonenumber's full parser only: ~4x slower; for tests.
std::optional<NormalizedPhone> normalize_phone_slow(std::string_view phone, std::string_view region);

// The digits of a number written the national way, as a rep types what they see
// ("020 7028 9701", "1-617-477-7138", "911 23 4567"): no '+' or "00" in front, only
// digits and the usual separators, 7 to 15 digits. nullopt for anything else.
std::optional<std::string> national_digits(std::string_view phone);

// A national number whose region nobody gave (no country on the record, no or the wrong
// phone_region for its source): its E.164 form when, of the numbers it is valid as in
// any of libphonenumber's regions, exactly one is a number the index already holds from
// another record (`probe.known(e164)`). Validity alone decides little: "020 7028 9701"
// is valid in GB, FI, IN, IT, JP and more; "911 23 4567" in ES, PT, DE and 25 others. `probe` is asked first, for each calling code's
// reading, so that a number the index does not hold costs no libphonenumber call. The
// regions' verdicts on a number are cached (bounded). Thread-safe.
class PhoneProbe {
 public:
  virtual ~PhoneProbe() = default;
  virtual bool known(std::string_view e164) const = 0;
};
std::optional<NormalizedPhone> resolve_national(std::string_view digits, const PhoneProbe& probe);

// NFKC, case-folded, accents stripped, punctuation dropped and spaces collapsed:
// "  ZOË   Łukasz-Smith " -> "zoe lukasz smith". For search and the weak name rules.
// "" when nothing is left.
std::string normalize_name(std::string_view name);

// Separators removed, ASCII letters upper-cased: "de 123.456-789" -> "DE123456789".
std::string normalize_national_id(std::string_view id);

}  // namespace crm
