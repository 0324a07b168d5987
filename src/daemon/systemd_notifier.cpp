// SystemdNotifier: thin calls into libsystemd. sd_notify() opens a socket per call and
// reads NOTIFY_SOCKET itself; we pass unset_environment=0 so that a later call (and a
// reload) still finds it.
#include "daemon/systemd_notifier.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <cstring>
#include <ctime>

#include "core/log.h"

namespace crm {

SystemdNotifier::SystemdNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && socket[0] != '\0';
}

void SystemdNotifier::send(std::string_view state) {
  if (!enabled_) return;
  std::string message(state);  // sd_notify wants a NUL-terminated string
  int rc = sd_notify(0, message.c_str());
  if (rc > 0) return;
  // rc == 0 means NOTIFY_SOCKET went away after the constructor looked; < 0 is -errno.
  std::string why = rc < 0 ? std::strerror(-rc) : "NOTIFY_SOCKET is no longer set";
  std::string_view what = state.substr(0, state.find_first_of("=\n"));
  if (!warned_.exchange(true))
    log_warn("systemd notification {} failed: {}", what, why);
  else
    log_debug("systemd notification {} failed: {}", what, why);
}

void SystemdNotifier::ready() { send("READY=1"); }

void SystemdNotifier::reloading() {
  // MONOTONIC_USEC lets systemd (>= 253, Type=notify-reload) tell this reload from an
  // older one; older versions ignore the field.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  long long usec = static_cast<long long>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1'000;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void SystemdNotifier::stopping() { send("STOPPING=1"); }

void SystemdNotifier::status(const std::string& line) {
  std::string clean = line;
  for (char& c : clean)
    if (c == '\n' || c == '\r') c = ' ';
  send("STATUS=" + clean);
}

void SystemdNotifier::watchdog() { send("WATCHDOG=1"); }

std::optional<Millis> SystemdNotifier::watchdog_interval() const {
  uint64_t usec = 0;
  // > 0: enabled for this pid; 0: not enabled; < 0: WATCHDOG_USEC/WATCHDOG_PID malformed.
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  // Half the timeout, as sd_watchdog_enabled(3) recommends; at least 1 ms so that a
  // caller never spins on a zero interval.
  auto half = Millis(static_cast<int64_t>(usec / 2 / 1000));
  return half.count() > 0 ? half : Millis(1);
}

}  // namespace crm
