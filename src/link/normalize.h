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

// NFKC, case-folded, accents stripped, punctuation dropped and spaces collapsed:
// "  ZOË   Łukasz-Smith " -> "zoe lukasz smith". For search and the weak name rules.
// "" when nothing is left.
std::string normalize_name(std::string_view name);

// Separators removed, ASCII letters upper-cased: "de 123.456-789" -> "DE123456789".
std::string normalize_national_id(std::string_view id);

}  // namespace crm
