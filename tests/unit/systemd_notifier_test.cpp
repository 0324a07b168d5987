// SystemdNotifier against a real AF_UNIX datagram socket standing in for systemd: the
// test binds it in a temp dir, points NOTIFY_SOCKET at it and reads back exactly what
// was sent. Every wait is bounded (poll); the environment is restored after each test.
#include "daemon/systemd_notifier.h"

#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

using namespace crm;
using namespace std::chrono_literals;

namespace {

// Saves the listed variables on construction and puts them back (or unsets them) on
// destruction, so that one test's setenv never leaks into another.
class EnvGuard {
 public:
  explicit EnvGuard(std::vector<std::string> names) {
    for (auto& n : names) {
      const char* v = std::getenv(n.c_str());
      saved_.push_back({n, v ? std::optional<std::string>(v) : std::nullopt});
    }
  }
  ~EnvGuard() {
    for (const auto& [n, v] : saved_) {
      if (v) setenv(n.c_str(), v->c_str(), 1);
      else unsetenv(n.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// A bound SOCK_DGRAM socket in a fresh temp dir; removed with the dir on destruction.
class FakeSystemd {
 public:
  FakeSystemd() {
    char tmpl[] = "/tmp/crm-notify-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/notify";
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path_.size() < sizeof addr.sun_path);
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~FakeSystemd() {
    if (fd_ >= 0) close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& path() const { return path_; }

  // The next datagram, or nullopt after 2 s.
  std::optional<std::string> receive(int timeout_ms = 2000) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) != 1) return std::nullopt;
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  }

 private:
  std::string dir_, path_;
  int fd_ = -1;
};

const std::vector<std::string> kVars = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"};

}  // namespace

TEST_CASE("systemd notifier: sends READY, STATUS, WATCHDOG and STOPPING to NOTIFY_SOCKET") {
  EnvGuard env(kVars);
  FakeSystemd systemd;
  setenv("NOTIFY_SOCKET", systemd.path().c_str(), 1);

  SystemdNotifier n;
  REQUIRE(n.enabled());
  n.ready();
  CHECK(systemd.receive() == "READY=1");
  n.status("3 sources, 1 failing: hubspot");
  CHECK(systemd.receive() == "STATUS=3 sources, 1 failing: hubspot");
  n.watchdog();
  CHECK(systemd.receive() == "WATCHDOG=1");
  n.stopping();
  CHECK(systemd.receive() == "STOPPING=1");
  CHECK(systemd.receive(50) == std::nullopt);  // nothing else was sent
}

TEST_CASE("systemd notifier: a line break in STATUS cannot inject another assignment") {
  EnvGuard env(kVars);
  FakeSystemd systemd;
  setenv("NOTIFY_SOCKET", systemd.path().c_str(), 1);

  SystemdNotifier n;
  n.status("error from CRM\nSTOPPING=1\r\n");
  CHECK(systemd.receive() == "STATUS=error from CRM STOPPING=1  ");
}

TEST_CASE("systemd notifier: RELOADING carries MONOTONIC_USEC") {
  EnvGuard env(kVars);
  FakeSystemd systemd;
  setenv("NOTIFY_SOCKET", systemd.path().c_str(), 1);

  SystemdNotifier n;
  n.reloading();
  auto msg = systemd.receive();
  REQUIRE(msg);
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  REQUIRE(msg->starts_with(prefix));
  std::string usec = msg->substr(prefix.size());
  CHECK(!usec.empty());
  CHECK(usec.find_first_not_of("0123456789") == std::string::npos);
}

TEST_CASE("systemd notifier: watchdog interval is half of WATCHDOG_USEC for our pid") {
  EnvGuard env(kVars);
  unsetenv("NOTIFY_SOCKET");
  SystemdNotifier n;

  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
  CHECK(n.watchdog_interval() == std::nullopt);

  setenv("WATCHDOG_USEC", "60000000", 1);  // WatchdogSec=60
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  CHECK(n.watchdog_interval() == std::optional<Millis>(30s));

  unsetenv("WATCHDOG_PID");  // no pid: meant for whoever reads it
  CHECK(n.watchdog_interval() == std::optional<Millis>(30s));

  setenv("WATCHDOG_PID", std::to_string(getpid() + 1).c_str(), 1);  // another process's
  CHECK(n.watchdog_interval() == std::nullopt);

  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  setenv("WATCHDOG_USEC", "not-a-number", 1);
  CHECK(n.watchdog_interval() == std::nullopt);
}

TEST_CASE("systemd notifier: without NOTIFY_SOCKET it is disabled and every call is a no-op") {
  EnvGuard env(kVars);
  FakeSystemd systemd;
  unsetenv("NOTIFY_SOCKET");

  SystemdNotifier n;
  CHECK_FALSE(n.enabled());
  n.ready();
  n.reloading();
  n.status("nobody listens");
  n.watchdog();
  n.stopping();
  CHECK(systemd.receive(50) == std::nullopt);

  // Read once: setting the variable later does not turn an existing notifier on.
  setenv("NOTIFY_SOCKET", systemd.path().c_str(), 1);
  n.ready();
  CHECK(systemd.receive(50) == std::nullopt);
  CHECK(SystemdNotifier().enabled());
}

TEST_CASE("systemd notifier: a socket that went away is reported, not fatal") {
  EnvGuard env(kVars);
  std::string gone;
  {
    FakeSystemd systemd;
    gone = systemd.path();
  }
  setenv("NOTIFY_SOCKET", gone.c_str(), 1);
  SystemdNotifier n;
  CHECK(n.enabled());
  n.ready();  // logs a warning, returns
  n.watchdog();
}
