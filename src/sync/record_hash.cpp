#include "sync/record_hash.h"

#include <xxhash.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace crm {
namespace {

void put(std::string& buf, std::string_view s) {
  auto n = static_cast<uint32_t>(s.size());
  buf.append(reinterpret_cast<const char*>(&n), sizeof n);
  buf.append(s);
}

}  // namespace

Hash128 hash_record(const Record& r) {
  // Reused per thread: the hot path must not allocate per record.
  thread_local std::string buf;
  buf.clear();
  buf += static_cast<char>(r.kind == RecordKind::company ? 'c' : 'p');
  buf += static_cast<char>(r.deleted ? 'd' : 'l');
  put(buf, r.name);
  put(buf, r.given_name);
  put(buf, r.family_name);
  put(buf, r.email);
  put(buf, r.phone);
  put(buf, r.company);
  put(buf, r.national_id);
  put(buf, r.web_url);
  put(buf, r.extra);
  put(buf, r.merged_into);
  // Last and only when set (sql/0006): records without a country keep the hash they
  // had before the field existed, so an upgrade rewrites nothing.
  if (!r.country.empty()) put(buf, r.country);
  XXH128_hash_t h = XXH3_128bits(buf.data(), buf.size());
  return Hash128{h.low64, h.high64};
}

}  // namespace crm
