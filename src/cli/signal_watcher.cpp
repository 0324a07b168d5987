#include "cli/signal_watcher.h"

#include <signal.h>
#include <unistd.h>

#include "core/log.h"

namespace crm {

SignalWatcher::SignalWatcher(RealSleeper& sleeper) : sleeper_(sleeper) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);  // used only to end the watcher thread
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this, set] {
    while (true) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGUSR1) return;
      if (stop_.exchange(true)) _exit(130);  // second signal: stop now
      log_warn("msg=\"signal {}: finishing the page in hand, then stopping (again to stop now)\"", sig);
      sleeper_.stop();
    }
  });
}

SignalWatcher::~SignalWatcher() {
  pthread_kill(thread_.native_handle(), SIGUSR1);
  thread_.join();
}

}  // namespace crm
