#include "link/normalize.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>
#include <vector>

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

std::optional<std::string> national_digits(std::string_view phone) {
  std::string_view t = trim_ascii_space(phone);
  std::string digits;
  for (char c : t) {
    if (c >= '0' && c <= '9') digits += c;
    else if (c != ' ' && c != '-' && c != '.' && c != '/' && c != '(' && c != ')') return std::nullopt;
  }
  if (digits.size() < 7 || digits.size() > 15 || digits.starts_with("00")) return std::nullopt;
  return digits;
}

namespace {

// One way to read a national number: a calling code and its trunk prefix ("0" in
// Germany, "1" in the NANP, none in Spain or Italy). Regions that share both (the NANP,
// the UK and its crown dependencies…) are one plan.
struct CallingPlan {
  int cc = 0;
  std::string ndd;
  std::string region;  // the calling code's main region, for the final full parse
};

const std::vector<CallingPlan>& calling_plans() {
  static const std::vector<CallingPlan> plans = [] {
    const PhoneNumberUtil& util = phone_util();
    std::set<std::string> regions;
    util.GetSupportedRegions(&regions);
    std::vector<CallingPlan> out;
    std::set<std::pair<int, std::string>> seen;
    for (const auto& region : regions) {
      CallingPlan p;
      p.cc = util.GetCountryCodeForRegion(region);
      if (p.cc == 0) continue;
      util.GetNddPrefixForRegion(region, true, &p.ndd);
      if (!seen.emplace(p.cc, p.ndd).second) continue;
      util.GetRegionCodeForCountryCode(p.cc, &p.region);
      out.push_back(std::move(p));
    }
    return out;
  }();
  return plans;
}

// The national significant number under `plan`, "" when the digits cannot be one. A
// full national number carries its trunk prefix ("020 …" in London, "0911 …" in
// Nuremberg: without it, a local number); in the NANP the "1" is as often left out.
std::string_view nsn_under(const CallingPlan& plan, std::string_view digits) {
  if (plan.ndd.empty()) return digits;
  if (digits.starts_with(plan.ndd)) return digits.substr(plan.ndd.size());
  return plan.cc == 1 ? digits : std::string_view();
}

void append_e164(std::string& out, int cc, std::string_view nsn) {
  out.clear();
  out += '+';
  out += std::to_string(cc);
  out += nsn;
}

// Every E.164 number that some region holds valid for `digits`, distinct; cached.
std::vector<std::string> valid_readings(const std::string& digits) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::vector<std::string>> cache;
  {
    std::lock_guard lock(mu);
    if (auto it = cache.find(digits); it != cache.end()) return it->second;
  }
  const PhoneNumberUtil& util = phone_util();
  std::vector<std::string> out;
  std::string e164;
  for (const auto& plan : calling_plans()) {
    std::string_view nsn = nsn_under(plan, digits);
    if (nsn.empty() || nsn.size() > 17) continue;
    PhoneNumber n;
    n.set_country_code(plan.cc);
    size_t zeros = 0;
    while (zeros + 1 < nsn.size() && nsn[zeros] == '0') ++zeros;
    if (zeros > 0) {
      n.set_italian_leading_zero(true);
      n.set_number_of_leading_zeros(static_cast<int>(zeros));
    }
    n.set_national_number(std::stoull(std::string(nsn)));
    // Lengths first (no regular expression), then the full patterns.
    if (!util.IsPossibleNumber(n) || !util.IsValidNumber(n)) continue;
    util.Format(n, PhoneNumberUtil::E164, &e164);
    if (std::find(out.begin(), out.end(), e164) == out.end()) out.push_back(e164);
  }
  std::lock_guard lock(mu);
  if (cache.size() >= 65536) cache.clear();  // bounded: a relink's worth of distinct numbers
  cache.emplace(digits, out);
  return out;
}

}  // namespace

std::optional<NormalizedPhone> resolve_national(std::string_view digits, const PhoneProbe& probe) {
  // Cheap first: does the index hold any reading of the number at all?
  thread_local std::string e164;
  bool any = false;
  for (const auto& plan : calling_plans()) {
    std::string_view nsn = nsn_under(plan, digits);
    if (nsn.empty()) continue;
    append_e164(e164, plan.cc, nsn);
    if (probe.known(e164)) {
      any = true;
      break;
    }
  }
  if (!any) return std::nullopt;
  // Most national numbers are valid in several regions ("020 7028 9701" in GB, FI, IN,
  // IT, JP…): the index decides, when it holds exactly one of the valid readings.
  std::vector<std::string> valid = valid_readings(std::string(digits));
  std::erase_if(valid, [&](const std::string& e) { return !probe.known(e); });
  if (valid.size() != 1) return std::nullopt;
  // The one reading, confirmed by libphonenumber's own parser for its region.
  for (const auto& plan : calling_plans()) {
    std::string_view nsn = nsn_under(plan, digits);
    if (nsn.empty()) continue;
    append_e164(e164, plan.cc, nsn);
    if (e164 != valid[0]) continue;
    auto full = normalize_phone_slow(digits, plan.region);
    if (full && full->e164 == valid[0]) return full;
  }
  return std::nullopt;
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
