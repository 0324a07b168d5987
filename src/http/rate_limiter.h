// RateLimiter: a token bucket of N requests per second, shared by every source that
// names the same quota_group (CRMs count quota per credential or per organisation).
// RateLimiters: the registry that hands out one bucket per group. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/time.h"
#include "http/sleeper.h"

namespace crm {

class RateLimiter {
 public:
  // burst: how many requests may go at once after a quiet spell (at least 1).
  RateLimiter(double per_second, double burst, const Clock& clock);
  // Blocks (through the sleeper) until a request may be sent; false if the sleeper stopped.
  bool acquire(Sleeper& sleeper);
  double per_second() const { return per_second_; }

 private:
  std::mutex mu_;
  double per_second_;
  double burst_;
  double tokens_;
  TimePoint last_;
  const Clock& clock_;
};

class RateLimiters {
 public:
  explicit RateLimiters(const Clock& clock) : clock_(clock) {}
  // The bucket for a group ("" or a source's own name when it has no group). The first
  // caller's rate sets the group's rate.
  std::shared_ptr<RateLimiter> get(const std::string& key, double per_second);

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<RateLimiter>> buckets_;
  const Clock& clock_;
};

}  // namespace crm
