// crm-fake: a fake in-house CRM on loopback for end-to-end tests and the demo. See
// README.md for the dialect, the flags and the control API.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "api/http_server.h"
#include "fake/fake_server.h"

namespace {

int g_stop_pipe[2] = {-1, -1};

void on_stop_signal(int) {
  int saved = errno;
  [[maybe_unused]] auto n = ::write(g_stop_pipe[1], "x", 1);
  errno = saved;
}

// The root next links use: a wildcard bind is reached through loopback.
std::string public_base(const std::string& host, uint16_t port) {
  std::string h = host;
  if (h == "0.0.0.0") h = "127.0.0.1";
  if (h == "::") h = "::1";
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  return fmt::format("http://{}:{}", h, port);
}

// Written to a temporary name and renamed, so a reader never sees a partial file.
bool write_port_file(const std::string& path, uint16_t port) {
  std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << '\n';
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  crm::fake::FakeConfig config;
  std::string host = "127.0.0.1", tz = "+01:00", port_file;
  uint16_t port = 0;
  unsigned threads = 4;
  size_t max_page_size = 100;

  CLI::App app{"crm-fake: a fake CRM speaking the declarative \"rest\" dialect"};
  app.add_option("--host", host, "IPv4 or IPv6 literal to bind")->capture_default_str();
  app.add_option("--port", port, "port; 0 lets the kernel pick one")->capture_default_str();
  app.add_option("--records", config.records, "seeded records")->capture_default_str();
  app.add_option("--seed", config.seed, "seed of the generated records")->capture_default_str();
  app.add_option("--tz", tz, "UTC offset of rendered timestamps: Z, +05:30, -08:00")->capture_default_str();
  app.add_option("--max-page-size", max_page_size, "page size cap")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--api-key", config.api_key, "require X-Api-Key: KEY");
  app.add_option("--bearer", config.bearer, "require Authorization: Bearer TOKEN");
  app.add_option("--rate-limit", config.rate_limit, "requests per second (burst of the same size); 0: off")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--threads", threads, "server threads")->capture_default_str()->check(CLI::Range(1, 256));
  app.add_option("--port-file", port_file, "write the bound port to this file");
  app.add_option("--dynamics-untracked", config.dynamics_untracked,
                 "Dataverse entity sets without change tracking (contacts, accounts)")
      ->check(CLI::IsMember({"contacts", "accounts"}));
  std::string suitecrm_time_format = "H:i";
  app.add_option("--suitecrm-time-format", suitecrm_time_format,
                 "the SuiteCRM API user's time format: H:i (a fresh SuiteCRM's, no seconds) or H:i:s")
      ->capture_default_str()
      ->check(CLI::IsMember({"H:i", "H:i:s"}));
  uint64_t shared_people = 0;
  app.add_option("--shared-people", shared_people,
                 "seeded persons 1..N are the same people in every fake given the same N "
                 "(written differently per --seed): customers shared across CRMs")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  crm::fake::set_shared_people(shared_people);
  config.suitecrm.seconds = suitecrm_time_format == "H:i:s";
  auto offset = crm::fake::parse_utc_offset(tz);
  if (!offset) {
    fmt::print(stderr, "crm-fake: --tz: expected Z or +hh:mm / -hh:mm, got '{}'\n", tz);
    return 2;
  }
  config.rest.tz_offset_minutes = *offset;
  config.rest.tz_suffix = *offset == 0 && (tz == "Z" || tz == "z") ? "Z" : tz;
  config.rest.max_page_size = max_page_size;

  // SIGTERM / SIGINT only write a byte to a pipe that main() waits on, whichever
  // thread the kernel delivers them to.
  if (::pipe(g_stop_pipe) != 0) {
    fmt::print(stderr, "crm-fake: pipe: {}\n", std::strerror(errno));
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = &on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not end the process

  crm::SystemClock clock;
  crm::fake::FakeServer fake(config, clock);
  crm::HttpServerOptions opts;
  opts.host = host;
  opts.port = port;
  opts.threads = threads;
  // The control API takes hostile records too (a 10 MB name: tests/e2e/test_hostile.py).
  opts.max_body_bytes = 32u << 20;
  crm::HttpServer server(opts, [&fake](const crm::ServerRequest& req) { return fake.handle(req); });
  if (auto st = server.start(); !st) {
    fmt::print(stderr, "crm-fake: {}\n", st.error().message);
    return 2;
  }
  fake.set_base_url(public_base(host, server.port()));
  if (!port_file.empty() && !write_port_file(port_file, server.port())) {
    fmt::print(stderr, "crm-fake: cannot write --port-file {}\n", port_file);
    return 2;
  }
  std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  fmt::print("crm-fake listening on http://{}:{}\n", shown, server.port());
  std::fflush(stdout);

  char byte = 0;
  while (::read(g_stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
  }
  fake.shutdown();
  server.stop();
  return 0;
}
