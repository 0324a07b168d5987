// Hash128: the 128-bit content hash of a record's mapped fields (see sync/record_hash.h).
#pragma once

#include <cstdint>
#include <cstring>

namespace crm {

struct Hash128 {
  uint64_t lo = 0;
  uint64_t hi = 0;
  friend bool operator==(const Hash128&, const Hash128&) = default;

  // 16 bytes, little-endian lo then hi: the form stored in records.hash.
  void to_bytes(unsigned char out[16]) const {
    std::memcpy(out, &lo, 8);
    std::memcpy(out + 8, &hi, 8);
  }
  static Hash128 from_bytes(const void* p) {
    Hash128 h;
    std::memcpy(&h.lo, p, 8);
    std::memcpy(&h.hi, static_cast<const unsigned char*>(p) + 8, 8);
    return h;
  }
};

}  // namespace crm
