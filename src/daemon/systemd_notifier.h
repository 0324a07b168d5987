// SystemdNotifier tells systemd how the daemon is doing, through sd_notify(3) from
// libsystemd: READY=1 once migrations ran and the API listens (the unit is Type=notify,
// so `systemctl start` returns only then), RELOADING=1 / READY=1 around a SIGHUP config
// reload, STOPPING=1 on SIGTERM, STATUS= with a one-line summary for `systemctl status`,
// and WATCHDOG=1 from the scheduler loop (the unit sets WatchdogSec=).
//
// Outside systemd (NOTIFY_SOCKET unset, as when run from a shell or the tests) every call
// is a no-op. The environment is read once, in the constructor. Failures to notify are
// logged (the first one as a warning) and never stop the daemon.
//
// Owned by the daemon. Thread-safe: each call sends one datagram on its own socket, so
// the scheduler thread may ping the watchdog while the main thread sends STATUS=.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace crm {

class SystemdNotifier {
 public:
  SystemdNotifier();

  // NOTIFY_SOCKET is set: the service manager listens.
  bool enabled() const { return enabled_; }

  void ready();      // READY=1
  void reloading();  // RELOADING=1 with MONOTONIC_USEC=; call ready() again when done
  void stopping();   // STOPPING=1
  // STATUS=<line>; line breaks become spaces, so that text from a CRM's error message
  // can never start another assignment (such as STOPPING=1) in the datagram.
  void status(const std::string& line);
  void watchdog();   // WATCHDOG=1

  // How often to call watchdog(): half of WATCHDOG_USEC, when the watchdog is enabled for
  // this process (WATCHDOG_PID unset or ours, per sd_watchdog_enabled(3)); else nullopt.
  std::optional<Millis> watchdog_interval() const;

 private:
  void send(std::string_view state);

  bool enabled_ = false;
  std::atomic<bool> warned_{false};
};

}  // namespace crm
