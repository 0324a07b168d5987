// SeenSet: the row ids a full pass has seen, as a bitset (1,000,000 rows = 125 KB), so
// that finding the records to tombstone never writes to unchanged rows.
// Not thread-safe; owned by one sync run.
#pragma once

#include <cstdint>
#include <vector>

namespace crm {

class SeenSet {
 public:
  void add(int64_t row_id) {
    auto i = static_cast<size_t>(row_id);
    if (i / 64 >= bits_.size()) bits_.resize(i / 64 + 1 + bits_.size() / 2, 0);
    uint64_t mask = uint64_t{1} << (i % 64);
    if (!(bits_[i / 64] & mask)) {
      bits_[i / 64] |= mask;
      ++count_;
    }
  }
  bool contains(int64_t row_id) const {
    auto i = static_cast<size_t>(row_id);
    return i / 64 < bits_.size() && (bits_[i / 64] >> (i % 64)) & 1;
  }
  long count() const { return count_; }

 private:
  std::vector<uint64_t> bits_;
  long count_ = 0;
};

}  // namespace crm
