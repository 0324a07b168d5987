// ReaderPool: the API's read-only index connections (store/api_queries.h). A request
// borrows one for as long as it runs and gives it back; they are opened lazily, so at
// most as many exist as requests ran at once (the server's pool threads), and kept open.
// A missing or unreadable index is an error value, and the next request tries again: the
// API can start before the first sync created the file. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/api_queries.h"

namespace crm {

class ReaderPool {
 public:
  explicit ReaderPool(std::string db_path) : path_(std::move(db_path)) {}

  // A borrowed connection; given back when destroyed.
  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<ApiQueries> q) : pool_(pool), q_(std::move(q)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();
    ApiQueries* operator->() { return q_.get(); }
    ApiQueries& operator*() { return *q_; }
    // After a failed query: close this connection instead of keeping it.
    void discard() { q_.reset(); }

   private:
    ReaderPool* pool_;
    std::unique_ptr<ApiQueries> q_;
  };

  Result<Lease> acquire();
  const std::string& path() const { return path_; }

 private:
  static constexpr size_t kMaxIdle = 16;
  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<ApiQueries>> idle_;
};

}  // namespace crm
