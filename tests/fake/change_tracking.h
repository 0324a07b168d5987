// ChangeTracking: the delta tokens of the fake's Dataverse dialect. Dataverse keeps the
// changes of a change-tracked table for the organization's ExpireChangeTrackingInDays
// (7 days by default) and refuses an older delta token with ExpiredVersionStamp
// (0x80044352, "… Please perform a full sync."). Here a token is a number naming the
// version (a time, whole seconds of the fake's clock) it was issued for; the control API
// can expire every token at once (POST /_control/deltatokens/expire), and tokens of
// another fake process are unknown, hence expired too.
//
// Thread-safe: one mutex. The Clock must outlive it.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/time.h"

namespace crm::fake {

class ChangeTracking {
 public:
  explicit ChangeTracking(const Clock& clock) : clock_(clock) {}

  // Now, in whole seconds: what a read starting now has seen. Mutations stamp whole
  // seconds too, so one made later in the same second is delivered again, never missed.
  int64_t now_version() const;
  // A new delta token for `version_ms`.
  uint64_t issue(int64_t version_ms);
  // The version of a token, nullopt when it is unknown, expired or past the retention.
  std::optional<int64_t> version_of(uint64_t token) const;
  void expire_all();
  void reset() { expire_all(); }

 private:
  const Clock& clock_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, int64_t> versions_;
  uint64_t next_ = 919042;  // the first number in Microsoft's example
};

}  // namespace crm::fake
