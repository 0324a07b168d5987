#include "link/record_keys.h"

#include <xxhash.h>

#include "link/country_region.h"
#include "link/normalize.h"

namespace crm {

uint64_t key_hash(LinkRule rule, RecordKind kind, std::string_view value) {
  std::string buf;
  buf.reserve(value.size() + 2);
  buf += static_cast<char>(rule);
  buf += kind == RecordKind::company ? 'c' : 'p';
  buf += value;
  return XXH3_64bits(buf.data(), buf.size());
}

uint64_t national_key_hash(RecordKind kind, std::string_view digits) {
  return key_hash(LinkRule::phone_national, kind, digits.substr(digits.size() > 7 ? digits.size() - 7 : 0));
}

namespace {

std::string_view first_word(std::string_view folded) { return folded.substr(0, folded.find(' ')); }
std::string_view last_word(std::string_view folded) {
  auto space = folded.rfind(' ');
  return space == std::string_view::npos ? folded : folded.substr(space + 1);
}

// The record's display name, folded (the name rules and the phone's name key).
std::string folded_name(const LinkFields& r) {
  if (!r.name.empty()) return normalize_name(r.name);
  if (r.given_name.empty() && r.family_name.empty()) return {};
  return normalize_name(std::string(r.given_name) + " " + std::string(r.family_name));
}

std::string name_key(const LinkFields& r, const std::string& name) {
  if (r.kind == RecordKind::company) return name;
  std::string family = r.family_name.empty() ? std::string() : normalize_name(r.family_name);
  std::string given = r.given_name.empty() ? std::string() : normalize_name(r.given_name);
  std::string_view f = !family.empty() ? std::string_view(family) : last_word(name);
  std::string_view g = !given.empty() ? first_word(given)
                       : name.find(' ') != std::string::npos ? first_word(name)
                                                             : std::string_view();
  if (f.empty() && g.empty()) return {};
  // The initial only: "Z. Lukasz" is "Zoë Łukasz", and a family line's "Anna" and
  // "Peter Meier" still differ.
  size_t initial = 0;
  if (!g.empty()) {
    initial = 1;
    while (initial < g.size() && (static_cast<unsigned char>(g[initial]) & 0xC0) == 0x80) ++initial;
  }
  std::string out(g.substr(0, initial));
  out += ' ';
  out += f;
  return out;
}

}  // namespace

std::string phone_name_key(const LinkFields& r) { return name_key(r, folded_name(r)); }

void record_keys(const LinkFields& r, const KeyOptions& options, std::vector<LinkKey>& out) {
  static const LinkingConfig kDefaults;
  const LinkingConfig& cfg = options.linking ? *options.linking : kDefaults;
  auto add = [&](LinkRule rule, std::string value) {
    uint64_t h = key_hash(rule, r.kind, value);
    out.push_back(LinkKey{rule, h, std::move(value)});
  };
  if (cfg.national_id && !r.national_id.empty()) {
    std::string id = normalize_national_id(r.national_id);
    if (!id.empty()) add(LinkRule::national_id, std::move(id));
  }
  if (cfg.email && !r.email.empty()) {
    EmailOptions eo;
    if (options.strip_email_tags) eo.strip_plus_domains = &cfg.plus_tag_domains;
    if (auto email = normalize_email(r.email, eo)) add(LinkRule::email, std::move(*email));
  }
  std::optional<NormalizedPhone> phone;
  if (!r.phone.empty() && (cfg.phone || cfg.suggest_name_phone_country)) {
    // The record's own country first, then its source's region, then, for a national
    // number, the one reading that the index already holds.
    std::string_view region = region_of_country(r.country);
    if (!region.empty()) phone = normalize_phone(r.phone, region);
    if (!phone && region != options.phone_region) phone = normalize_phone(r.phone, options.phone_region);
    if (!phone) {
      if (auto digits = national_digits(r.phone)) {
        out.push_back(LinkKey{LinkRule::phone_national, national_key_hash(r.kind, *digits), *digits});
        if (options.phones) phone = resolve_national(*digits, *options.phones);
      }
    }
  }
  std::string name = folded_name(r);
  if (phone) {
    if (cfg.phone) {
      // Keyed by number and name key; the value, what a reason shows, is the number.
      std::string keyed = phone->e164;
      keyed += '\x1f';
      keyed += name_key(r, name);
      out.push_back(LinkKey{LinkRule::phone, key_hash(LinkRule::phone, r.kind, keyed), phone->e164});
      add(LinkRule::phone_other_name, phone->e164);
    }
  }

  if (!cfg.suggest_name_company && !cfg.suggest_name_phone_country) return;
  if (name.empty()) return;
  if (cfg.suggest_name_company) {
    if (r.kind == RecordKind::company) {
      add(LinkRule::name_company, name);  // a company's name is its company
    } else if (std::string company = normalize_name(r.company); !company.empty()) {
      add(LinkRule::name_company, name + " | " + company);
    }
  }
  if (cfg.suggest_name_phone_country && phone && r.kind == RecordKind::person)
    add(LinkRule::name_phone_country, name + " | +" + std::to_string(phone->country_code));
}

}  // namespace crm
