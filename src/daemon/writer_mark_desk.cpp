#include "daemon/writer_mark_desk.h"

#include "core/log.h"

namespace crm {

WriterMarkDesk::WriterMarkDesk(SourceRunner& runner, const Config& config)
    : runner_(runner), config_(std::make_shared<const Config>(config)) {}

void WriterMarkDesk::apply(const Config& config) {
  auto next = std::make_shared<const Config>(config);
  std::lock_guard lock(mu_);
  config_ = std::move(next);
}

std::shared_ptr<const Config> WriterMarkDesk::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

Result<int64_t> WriterMarkDesk::add(const MarkRequest& request) {
  auto id = runner_.mark(request, *config());
  if (id)
    log_info("msg=\"mark made\" mark={} op={} a={}:{} b={}:{} by={}", *id,
             request.op == MarkOp::link ? "link" : "unlink", request.a.source, request.a.external_id,
             request.b.source, request.b.external_id, request.by_user);
  return id;
}

Status WriterMarkDesk::remove(int64_t mark_id, const std::string& by_user) {
  auto st = runner_.unmark(mark_id, by_user, *config());
  if (st) log_info("msg=\"mark taken back\" mark={} by={}", mark_id, by_user);
  return st;
}

}  // namespace crm
