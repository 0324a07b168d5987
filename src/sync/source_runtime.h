// What the scheduler knows about each source right now, for the API (/v1/sources,
// /metrics) and the systemd STATUS line. SchedulerView is implemented by the scheduler;
// snapshot() is thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace crm {

// A run whose end the index could not store (disk full, read-only file): the index's
// row for it, if it got one, still says "running".
struct UnrecordedRun {
  int64_t id = 0;  // 0: the run failed before it had a row
  std::string mode;
  TimePoint started{};
  TimePoint finished{};
  std::string error;
};

// A source the CRM refuses (credentials, permissions, a setting it rejects): a person
// must act; it is retried every auth_retry and at once after a config reload.
struct NeedsAttention {
  std::string reason;  // the run's error
  std::string kind;    // auth | config
  TimePoint since{};   // end of the first refused run in a row
};

struct SourceRuntime {
  std::string name;
  std::string type;
  bool enabled = true;
  Millis interval{0};
  Millis stale_after{0};                 // the source's stale_after, or three intervals
  std::optional<TimePoint> next_run_at;  // nullopt while running or when disabled
  bool running = false;
  int consecutive_failures = 0;
  std::optional<TimePoint> last_success;  // end of the last ok run (this process or the index)
  std::optional<TimePoint> last_run_end;
  std::string last_error;                 // of the last run, "" when it succeeded
  double last_duration_s = 0;
  bool stale = false;                     // no success within stale_after
  std::optional<UnrecordedRun> unrecorded_run;  // shown by /v1/sources instead of the index's row
  std::optional<NeedsAttention> needs_attention;
};

class SchedulerView {
 public:
  virtual ~SchedulerView() = default;
  virtual std::vector<SourceRuntime> snapshot() const = 0;
  // When the config was last (re)loaded and whether that worked.
  virtual bool config_reload_ok() const = 0;
};

}  // namespace crm
