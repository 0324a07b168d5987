#include "link/record_keys.h"

#include <xxhash.h>

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
  if (!r.phone.empty() && (cfg.phone || cfg.suggest_name_phone_country))
    phone = normalize_phone(r.phone, options.phone_region);
  if (cfg.phone && phone) add(LinkRule::phone, phone->e164);

  if (!cfg.suggest_name_company && !cfg.suggest_name_phone_country) return;
  std::string name;
  if (!r.name.empty()) {
    name = normalize_name(r.name);
  } else if (!r.given_name.empty() || !r.family_name.empty()) {
    name = normalize_name(std::string(r.given_name) + " " + std::string(r.family_name));
  }
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
