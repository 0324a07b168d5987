// Stats: what the fake CRM has been asked, for tests to assert on a client's behaviour
// (GET /_control/stats). Counts dialect requests only: /_control calls are not counted.
// Thread-safe: one mutex.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "fake/dialect.h"

namespace crm::fake {

class Stats {
 public:
  void request(RouteKind kind);
  void answered(int status);  // a status that was sent
  void dropped();             // a connection closed without an answer
  void mutated_during_paging(const std::vector<uint64_t>& ids);
  void reset();
  // The JSON object of GET /_control/stats, with the dataset's figures added.
  std::string json(uint64_t live_records, uint64_t max_id, size_t faults_pending) const;

 private:
  mutable std::mutex mu_;
  uint64_t requests_ = 0;
  uint64_t list_requests_ = 0;
  uint64_t record_requests_ = 0;  // get-by-id (RouteKind::record)
  uint64_t dropped_ = 0;
  std::map<int, uint64_t> by_status_;
  std::vector<uint64_t> mutated_during_paging_;
};

}  // namespace crm::fake
