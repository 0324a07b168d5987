#include "config/settings_loader.h"

namespace crm {
namespace {

constexpr long long kMaxPageSize = 10'000;

template <class T>
void assign(std::optional<T> value, T& target) {
  if (value) target = std::move(*value);
}

}  // namespace

const std::vector<std::string>& settings_keys() {
  static const std::vector<std::string> keys = {
      "interval",    "jitter",          "timeout",      "page_size",
      "overlap",     "full_sync_every", "delete_guard", "rate_limit",
      "quota_group", "max_backoff",     "stale_after",  "insecure_skip_verify",
      "max_response_size", "auth_retry"};
  return keys;
}

void read_settings(const Mapping& map, SourceSettings& s, LoadContext& ctx) {
  constexpr Millis kPositive{1};
  constexpr Millis kZero{0};
  if (const Field* f = map.find("interval")) assign(read_duration(*f, ctx, kPositive), s.interval);
  if (const Field* f = map.find("jitter")) assign(read_ratio(*f, ctx), s.jitter);
  if (const Field* f = map.find("timeout")) assign(read_duration(*f, ctx, kPositive), s.timeout);
  if (const Field* f = map.find("page_size")) {
    if (auto n = read_integer(*f, ctx, 1, kMaxPageSize)) s.page_size = static_cast<int>(*n);
  }
  if (const Field* f = map.find("overlap")) assign(read_duration(*f, ctx, kZero), s.overlap);
  if (const Field* f = map.find("full_sync_every"))
    assign(read_duration(*f, ctx, kPositive), s.full_sync_every);
  if (const Field* f = map.find("delete_guard")) assign(read_ratio(*f, ctx), s.delete_guard);
  if (const Field* f = map.find("rate_limit")) assign(read_rate(*f, ctx), s.rate_limit);
  // quota_group and stale_after may be written `null`: back to "own bucket" and
  // "three intervals", also when the defaults set them.
  if (const Field* f = map.find("quota_group")) {
    if (f->value.IsNull()) {
      s.quota_group.clear();
    } else {
      assign(read_string(*f, ctx), s.quota_group);
    }
  }
  if (const Field* f = map.find("max_backoff"))
    assign(read_duration(*f, ctx, kPositive), s.max_backoff);
  if (const Field* f = map.find("auth_retry")) assign(read_duration(*f, ctx, kPositive), s.auth_retry);
  if (const Field* f = map.find("stale_after")) {
    if (f->value.IsNull()) {
      s.stale_after.reset();
    } else if (auto d = read_duration(*f, ctx, kPositive)) {
      s.stale_after = *d;
    }
  }
  if (const Field* f = map.find("insecure_skip_verify"))
    assign(read_bool(*f, ctx), s.insecure_skip_verify);
  // 1 KiB at least: smaller, not even an error body would fit.
  if (const Field* f = map.find("max_response_size")) assign(read_size(*f, ctx, 1024), s.max_response_size);
}

}  // namespace crm
