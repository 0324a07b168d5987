// InstanceLock: an exclusive flock on "<database>.lock", so that two daemons never write
// one index. Released when the object (or the process) goes away. Not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"

namespace crm {

class InstanceLock {
 public:
  static Result<std::unique_ptr<InstanceLock>> acquire(const std::string& database_path);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace crm
