#include "fake/stats.h"

#include <fmt/format.h>

#include "core/json_writer.h"

namespace crm::fake {

void Stats::request(RouteKind kind) {
  std::lock_guard lock(mu_);
  ++requests_;
  if (kind == RouteKind::list) ++list_requests_;
  if (kind == RouteKind::record) ++record_requests_;
}

void Stats::answered(int status) {
  std::lock_guard lock(mu_);
  ++by_status_[status];
}

void Stats::dropped() {
  std::lock_guard lock(mu_);
  ++dropped_;
}

void Stats::mutated_during_paging(const std::vector<uint64_t>& ids) {
  std::lock_guard lock(mu_);
  mutated_during_paging_.insert(mutated_during_paging_.end(), ids.begin(), ids.end());
}

void Stats::reset() {
  std::lock_guard lock(mu_);
  requests_ = list_requests_ = record_requests_ = dropped_ = 0;
  by_status_.clear();
  mutated_during_paging_.clear();
}

std::string Stats::json(uint64_t live_records, uint64_t max_id, size_t faults_pending) const {
  std::lock_guard lock(mu_);
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("requests").value(static_cast<int64_t>(requests_));
  w.key("list_requests").value(static_cast<int64_t>(list_requests_));
  w.key("record_requests").value(static_cast<int64_t>(record_requests_));
  w.key("by_status").begin_object();
  for (const auto& [status, n] : by_status_) w.key(fmt::format("{}", status)).value(static_cast<int64_t>(n));
  w.end_object();
  w.key("dropped").value(static_cast<int64_t>(dropped_));
  w.key("records").value(static_cast<int64_t>(live_records));
  w.key("max_id").value(static_cast<int64_t>(max_id));
  w.key("faults_pending").value(static_cast<int64_t>(faults_pending));
  w.key("mutated_during_paging").begin_array();
  for (uint64_t id : mutated_during_paging_) w.value(fmt::format("{}", id));
  w.end_array();
  w.end_object();
  return out;
}

}  // namespace crm::fake
