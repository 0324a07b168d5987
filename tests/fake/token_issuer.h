// TokenIssuer: the OAuth side of the fake, shared by the vendor dialects. It issues
// opaque access tokens (with a lifetime), knows whether a token is still valid, and
// lets the control API expire every token (the client must refresh on its 401) or revoke
// the credentials (the refresh fails too: a persistent 401). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/time.h"

namespace crm::fake {

class TokenIssuer {
 public:
  explicit TokenIssuer(const Clock& clock) : clock_(clock) {}

  // A new token valid for `ttl`; empty when the credentials were revoked.
  std::string issue(Millis ttl);
  bool valid(std::string_view token) const;
  // Every token issued so far stops working (the client should refresh once).
  void expire_all();
  // Revoked credentials: issue() refuses until restore(); existing tokens expire.
  void revoke();
  void restore();
  bool revoked() const;
  uint64_t issued() const;
  void reset();

 private:
  mutable std::mutex mu_;
  const Clock& clock_;
  std::unordered_map<std::string, TimePoint> expiry_;
  uint64_t counter_ = 0;
  bool revoked_ = false;
};

}  // namespace crm::fake
