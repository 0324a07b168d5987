#include "fake/change_tracking.h"

namespace crm::fake {
namespace {

constexpr int64_t kRetentionMs = int64_t{7} * 24 * 3600 * 1000;  // ExpireChangeTrackingInDays default

}  // namespace

int64_t ChangeTracking::now_version() const { return to_ms(clock_.now()) / 1000 * 1000; }

uint64_t ChangeTracking::issue(int64_t version_ms) {
  std::lock_guard lock(mu_);
  uint64_t token = next_++;
  versions_[token] = version_ms;
  return token;
}

std::optional<int64_t> ChangeTracking::version_of(uint64_t token) const {
  std::lock_guard lock(mu_);
  auto it = versions_.find(token);
  if (it == versions_.end() || to_ms(clock_.now()) - it->second > kRetentionMs) return std::nullopt;
  return it->second;
}

void ChangeTracking::expire_all() {
  std::lock_guard lock(mu_);
  versions_.clear();
}

}  // namespace crm::fake
