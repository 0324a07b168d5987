// NatsSink against a real nats-server (Debian's, JetStream on, on loopback; started by the
// test): the stream is created, every event lands once under its subject, a second copy
// of a message id is dropped by the stream, and a server that is down fails an attempt
// quickly instead of hanging the delivery thread.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "outputs/nats_sink.h"

using namespace crm;
using namespace std::chrono_literals;

namespace {

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

struct NatsServer {
  int port = free_port();
  std::filesystem::path dir = std::filesystem::temp_directory_path() / fmt::format("crm-nats-{}-{}", getpid(), port);
  pid_t pid = -1;

  NatsServer() {
    std::filesystem::create_directories(dir);
    pid = fork();
    if (pid == 0) {
      const std::string p = std::to_string(port), sd = dir.string(), log = (dir / "log").string();
      execlp("nats-server", "nats-server", "-js", "-a", "127.0.0.1", "-p", p.c_str(), "-sd", sd.c_str(), "-l",
             log.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~NatsServer() {
    stop();
    std::filesystem::remove_all(dir);
  }
  void stop() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    pid = -1;
  }
  std::string url() const { return fmt::format("nats://127.0.0.1:{}", port); }
};

NatsOutputConfig config_for(const std::string& url) {
  NatsOutputConfig c;
  c.servers = {url};
  c.stream = "CRM_UNIT";
  c.subject_prefix = "unit.crm";
  c.max_age = std::chrono::hours(1);
  return c;
}

std::vector<OutgoingEvent> events(std::initializer_list<std::pair<int64_t, const char*>> list);

OutgoingEvent event(int64_t seq, std::string op = "create") {
  OutgoingEvent e;
  e.seq = seq;
  e.op = std::move(op);
  e.source = "legacy";
  e.id = fmt::format("idx-{}", seq);
  e.body = fmt::format(R"({{"seq":{}}})", seq);
  return e;
}

// One batch of events.
std::vector<OutgoingEvent> events(std::initializer_list<std::pair<int64_t, const char*>> list) {
  std::vector<OutgoingEvent> out;
  for (auto [seq, op] : list) out.push_back(event(seq, op));
  return out;
}

// The stream's message count, read with libnats; -1 when it cannot be read.
int64_t stream_messages(const std::string& url, const char* stream) {
  natsConnection* nc = nullptr;
  if (natsConnection_ConnectTo(&nc, url.c_str()) != NATS_OK) return -1;
  jsCtx* js = nullptr;
  natsConnection_JetStream(&js, nc, nullptr);
  jsStreamInfo* si = nullptr;
  int64_t n = -1;
  if (js_GetStreamInfo(&si, js, stream, nullptr, nullptr) == NATS_OK) {
    n = static_cast<int64_t>(si->State.Msgs);
    jsStreamInfo_Destroy(si);
  }
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return n;
}

}  // namespace

TEST_CASE("NatsSink: publishes to a created stream, once per message id; a down server fails fast") {
  NatsServer server;
  NatsSink sink(config_for(server.url()));
  std::atomic<bool> stop{false};
  // The server takes a moment to listen: the first attempts fail like an outage would.
  Status st = Error::transient("not tried");
  for (int i = 0; i < 100 && !st; ++i) {
    st = sink.deliver(events({{1, "create"}}), stop);
    if (!st) std::this_thread::sleep_for(50ms);
  }
  REQUIRE_MESSAGE(st, st.error().message);
  CHECK(sink.deliver(events({{2, "update"}, {3, "delete"}}), stop));
  CHECK(sink.deliver(events({{2, "update"}, {3, "delete"}, {4, "create"}}), stop));  // a batch again after a crash
  std::vector<OutgoingEvent> many;
  for (int64_t seq = 5; seq < 5 + 300; ++seq) many.push_back(event(seq));
  CHECK(sink.deliver(many, stop));
  CHECK(stream_messages(server.url(), "CRM_UNIT") == 304);
  CHECK(NatsSink::subject(config_for(""), event(3, "delete")) == "unit.crm.delete.legacy");
  CHECK(sink.max_batch() < 1024);  // within what may be in flight (kMaxPending)

  server.stop();
  auto t0 = std::chrono::steady_clock::now();
  Status down = sink.deliver(events({{400, "create"}}), stop);
  CHECK_FALSE(down);
  CHECK(std::chrono::steady_clock::now() - t0 < 8s);  // bounded by the ack wait
  if (!down) CHECK(down.error().message.find("NATS: ") == 0);

  NatsSink never(config_for(fmt::format("nats://127.0.0.1:{}", free_port())));
  t0 = std::chrono::steady_clock::now();
  Status refused = never.deliver(events({{1, "create"}}), stop);
  CHECK_FALSE(refused);
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
}
