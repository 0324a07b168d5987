#include "link/normalize.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "core/text_codec.h"
#include "core/text_fold.h"

namespace crm {
namespace {

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// utf8proc_map with `options`; "" when the text is not valid UTF-8.
std::string utf8_map(std::string_view s, utf8proc_option_t options) {
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                    static_cast<utf8proc_ssize_t>(s.size()), &out, options);
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  if (n < 0) return {};
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

}  // namespace

std::optional<std::string> normalize_email(std::string_view email, const EmailOptions& options) {
  std::string_view t = trim_ascii_space(email);
  auto at = t.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= t.size()) return std::nullopt;
  for (char c : t)
    if (is_ascii_space(c)) return std::nullopt;
  std::string out;
  if (is_ascii(t)) {
    out.assign(t);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  } else {
    out = utf8_map(t, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD));
    if (out.empty()) return std::nullopt;
    at = out.rfind('@');
    if (at == std::string::npos) return std::nullopt;
  }
  if (options.strip_plus_domains && !options.strip_plus_domains->empty()) {
    at = out.rfind('@');
    std::string_view domain = std::string_view(out).substr(at + 1);
    const auto& domains = *options.strip_plus_domains;
    if (std::find(domains.begin(), domains.end(), domain) != domains.end()) {
      auto plus = out.find('+');
      if (plus != std::string::npos && plus > 0 && plus < at) out.erase(plus, at - plus);
    }
  }
  return out;
}

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

const PhoneNumberUtil& phone_util() {
  static const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();  // thread-safe
  return util;
}

// The common written forms ("+49 30 1234567", "030/123 45 67", "(212) 555-2368") without
// libphonenumber's parser, which runs ICU regular expressions and costs ~15 us a number
// (most of a full relink). Returns nullopt whenever the text is anything else: an
// extension, letters, "(0)", a "00" or other international prefix, a leading zero left
// after the trunk prefix; the caller then parses in full. Validity is still decided by
// libphonenumber.
// Countries whose numbers the full parser reads as "country code + digits after the
// trunk prefix", checked against it by tests/unit/normalize_test.cpp. Not, e.g., Mexico
// (+52 1 … drops the 1) or Argentina and Brazil (carrier and mobile tokens).
bool quick_country(int cc) {
  switch (cc) {
    case 1: case 7: case 31: case 32: case 33: case 34: case 39: case 41: case 43: case 44:
    case 45: case 46: case 47: case 48: case 49: case 61: case 81: case 86: case 353:
      return true;
    default:
      return false;
  }
}

std::optional<PhoneNumber> quick_parse(std::string_view t, std::string_view region) {
  const PhoneNumberUtil& util = phone_util();
  bool plus = false;
  std::string digits;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c >= '0' && c <= '9') digits += c;
    else if (c == '+' && i == 0) plus = true;
    else if (c == ' ' || c == '-' || c == '.' || c == '/' || c == ')') continue;
    else if (c == '(' && !(i + 2 < t.size() && t[i + 1] == '0' && t[i + 2] == ')')) continue;
    else return std::nullopt;
  }
  if (digits.size() < 4 || digits.size() > 17) return std::nullopt;
  PhoneNumber n;
  std::string nsn;
  if (plus) {
    for (size_t len = 1; len <= 3 && nsn.empty(); ++len) {
      int cc = std::atoi(digits.substr(0, len).c_str());
      std::string code;
      util.GetRegionCodeForCountryCode(cc, &code);
      if (code != "ZZ") {
        n.set_country_code(cc);
        nsn = digits.substr(len);
      }
    }
    if (nsn.empty()) return std::nullopt;
  } else {
    if (region.empty() || digits.starts_with("00")) return std::nullopt;
    std::string reg(region);
    int cc = util.GetCountryCodeForRegion(reg);
    if (cc == 0) return std::nullopt;
    std::string ndd;
    util.GetNddPrefixForRegion(reg, true, &ndd);
    nsn = digits;
    if (!ndd.empty() && nsn.starts_with(ndd)) nsn.erase(0, ndd.size());
    n.set_country_code(cc);
  }
  if (!quick_country(n.country_code())) return std::nullopt;
  if (nsn.empty() || nsn[0] == '0' || nsn.size() > 15) return std::nullopt;
  n.set_national_number(std::stoull(nsn));
  return n;
}

}  // namespace

std::optional<NormalizedPhone> normalize_phone(std::string_view phone, std::string_view region) {
  std::string_view t = trim_ascii_space(phone);
  if (t.empty() || t.size() > 64) return std::nullopt;
  const PhoneNumberUtil& util = phone_util();
  std::optional<PhoneNumber> number = quick_parse(t, region);
  if (!number) {  // not a common form: parse in full
    number.emplace();
    std::string reg = region.empty() ? std::string("ZZ") : std::string(region);
    if (util.Parse(std::string(t), reg, &*number) != PhoneNumberUtil::NO_PARSING_ERROR) return std::nullopt;
  }
  if (!util.IsValidNumber(*number)) return std::nullopt;
  NormalizedPhone out;
  util.Format(*number, PhoneNumberUtil::E164, &out.e164);
  out.country_code = number->country_code();
  return out;
}

// The full parser alone (tests compare it with normalize_phone).
std::optional<NormalizedPhone> normalize_phone_slow(std::string_view phone, std::string_view region) {
  std::string_view t = trim_ascii_space(phone);
  if (t.empty() || t.size() > 64) return std::nullopt;
  const PhoneNumberUtil& util = phone_util();
  PhoneNumber number;
  std::string reg = region.empty() ? std::string("ZZ") : std::string(region);
  if (util.Parse(std::string(t), reg, &number) != PhoneNumberUtil::NO_PARSING_ERROR) return std::nullopt;
  if (!util.IsValidNumber(number)) return std::nullopt;
  NormalizedPhone out;
  util.Format(number, PhoneNumberUtil::E164, &out.e164);
  out.country_code = number.country_code();
  return out;
}

std::string normalize_name(std::string_view name) { return fold_text(name); }

std::string normalize_national_id(std::string_view id) {
  std::string out;
  for (char c : id) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) out += c;
    else if (c >= 'a' && c <= 'z') out += static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace crm
