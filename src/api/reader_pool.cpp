#include "api/reader_pool.h"

namespace crm {

ReaderPool::Lease::~Lease() {
  if (!pool_ || !q_) return;
  std::lock_guard lock(pool_->mu_);
  if (pool_->idle_.size() < kMaxIdle) pool_->idle_.push_back(std::move(q_));
}

Result<ReaderPool::Lease> ReaderPool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto q = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(q));
    }
  }
  auto q = ApiQueries::open(path_);  // outside the lock: opening reads the schema
  if (!q) return q.error();
  return Lease(this, std::move(*q));
}

}  // namespace crm
