// WriterMarkDesk: the API's marks written through the daemon's one writer
// (SourceRunner::mark / unmark), under the linking rules of the configuration in force.
// apply() on every reload. Thread-safe.
#pragma once

#include <memory>
#include <mutex>

#include "api/mark_desk.h"
#include "config/config.h"
#include "sync/source_runner.h"

namespace crm {

class WriterMarkDesk final : public MarkDesk {
 public:
  WriterMarkDesk(SourceRunner& runner, const Config& config);

  void apply(const Config& config);
  Result<int64_t> add(const MarkRequest& request) override;
  Status remove(int64_t mark_id, const std::string& by_user) override;

 private:
  std::shared_ptr<const Config> config() const;

  SourceRunner& runner_;
  mutable std::mutex mu_;
  std::shared_ptr<const Config> config_;
};

}  // namespace crm
