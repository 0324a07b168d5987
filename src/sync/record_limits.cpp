#include "sync/record_limits.h"

#include <fmt/format.h>

#include <cstring>

namespace crm {
namespace {

bool strip_nul(std::string& s) {
  if (std::memchr(s.data(), '\0', s.size()) == nullptr) return false;
  std::erase(s, '\0');
  return true;
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
bool cut(std::string& s, size_t max) {
  if (s.size() <= max) return false;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return true;
}

}  // namespace

RecordLimitResult apply_record_limits(Record& r) {
  RecordLimitResult out;
  strip_nul(r.external_id);
  if (r.external_id.empty()) {
    out.rejected = true;
    out.reason = "no external id";
    return out;
  }
  if (r.external_id.size() > kMaxExternalIdBytes) {
    out.rejected = true;
    out.reason = fmt::format("external id of {} bytes (at most {})", r.external_id.size(), kMaxExternalIdBytes);
    return out;
  }
  struct Field {
    const char* name;
    std::string* value;
    size_t max;
  };
  const Field fields[] = {{"name", &r.name, kMaxFieldBytes},         {"given_name", &r.given_name, kMaxFieldBytes},
                          {"family_name", &r.family_name, kMaxFieldBytes}, {"email", &r.email, kMaxFieldBytes},
                          {"phone", &r.phone, kMaxFieldBytes},       {"company", &r.company, kMaxFieldBytes},
                          {"national_id", &r.national_id, kMaxFieldBytes}, {"country", &r.country, kMaxFieldBytes},
                          {"web_url", &r.web_url, kMaxWebUrlBytes},
                          {"merged_into", &r.merged_into, kMaxExternalIdBytes}};
  for (const auto& f : fields) {
    bool nul = strip_nul(*f.value);
    size_t before = f.value->size();
    bool long_value = cut(*f.value, f.max);
    if (nul || long_value) {
      out.truncated = true;
      if (!out.reason.empty()) out.reason += ", ";
      out.reason += long_value ? fmt::format("{} cut from {} to {} bytes", f.name, before, f.value->size())
                               : fmt::format("{}: NUL bytes removed", f.name);
    }
  }
  if (r.extra.size() > kMaxExtraBytes || std::memchr(r.extra.data(), '\0', r.extra.size()) != nullptr) {
    out.truncated = true;
    if (!out.reason.empty()) out.reason += ", ";
    out.reason += fmt::format("extra fields dropped ({} bytes)", r.extra.size());
    r.extra.clear();
  }
  return out;
}

}  // namespace crm
