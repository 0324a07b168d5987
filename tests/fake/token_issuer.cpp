#include "fake/token_issuer.h"

#include <fmt/format.h>

namespace crm::fake {

std::string TokenIssuer::issue(Millis ttl) {
  std::lock_guard lock(mu_);
  if (revoked_) return {};
  std::string token = fmt::format("fake-token-{:08x}-{}", static_cast<uint32_t>(counter_ * 2654435761u), counter_);
  ++counter_;
  expiry_[token] = clock_.now() + ttl;
  return token;
}

bool TokenIssuer::valid(std::string_view token) const {
  std::lock_guard lock(mu_);
  auto it = expiry_.find(std::string(token));
  return it != expiry_.end() && clock_.now() < it->second;
}

void TokenIssuer::expire_all() {
  std::lock_guard lock(mu_);
  expiry_.clear();
}

void TokenIssuer::revoke() {
  std::lock_guard lock(mu_);
  revoked_ = true;
  expiry_.clear();
}

void TokenIssuer::restore() {
  std::lock_guard lock(mu_);
  revoked_ = false;
}

bool TokenIssuer::revoked() const {
  std::lock_guard lock(mu_);
  return revoked_;
}

uint64_t TokenIssuer::issued() const {
  std::lock_guard lock(mu_);
  return counter_;
}

void TokenIssuer::reset() {
  std::lock_guard lock(mu_);
  expiry_.clear();
  counter_ = 0;
  revoked_ = false;
}

}  // namespace crm::fake
