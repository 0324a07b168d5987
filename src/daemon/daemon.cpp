#include "daemon/daemon.h"

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>

#include "api/api_server.h"
#include "cluster/cluster_node.h"
#include "config/file_permissions.h"
#include "connectors/connector_config.h"
#include "core/build_info.h"
#include "core/log.h"
#include "core/metrics.h"
#include "daemon/config_loading.h"
#include "daemon/instance_lock.h"
#include "daemon/status_line.h"
#include "daemon/systemd_notifier.h"
#include "daemon/writer_mark_desk.h"
#include "hints/hints_server.h"
#include "live/live_reads.h"
#include "outputs/outputs.h"
#include "store/change_notifier.h"
#include "store/index_writer.h"
#include "sync/scheduler.h"
#include "sync/source_runner.h"

namespace crm {
namespace {

using namespace std::chrono_literals;

// The watchdog is fed only while the scheduler loop goes round and the writer can be
// taken: a deadlocked writer or a stuck loop lets systemd's watchdog fire.
constexpr Millis kLoopStallLimit = 15s;
constexpr Millis kWriterStallLimit = 20s;

Result<std::string> read_token(const std::string& path) {
  if (path.empty()) return std::string();
  std::ifstream in(path);
  if (!in) return Error::config(fmt::format("api.token_file: cannot read {}", path));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) return Error::config(fmt::format("api.token_file: {} is empty", path));
  return token;
}

ApiPolicy api_policy(const Config& config) {
  return ApiPolicy{config.api.write_tokens, config.linking.survivorship_name};
}

sigset_t daemon_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&set, s);
  return set;
}

class Daemon {
 public:
  explicit Daemon(std::string config_path) : config_path_(std::move(config_path)) {}

  int run() {
    // Block the signals before any thread starts so that only sigtimedwait sees them.
    sigset_t set = daemon_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    auto config = load_config_or_report(config_path_);
    if (!config) return 2;
    config_ = std::move(*config);

    auto lock = InstanceLock::acquire(config_.database);
    if (!lock) {
      log_error("msg=\"{}\"", lock.error().message);
      return lock.error().kind == ErrorKind::config ? 2 : 1;
    }
    auto writer = IndexWriter::open(config_.database);
    if (!writer) {
      log_error("msg=\"{}\"", writer.error().message);
      return writer.error().kind == ErrorKind::config ? 2 : 1;
    }
    writer_ = std::move(*writer);
    writer_->set_notifier(&changes_);
    for (const auto& warning : permission_warnings(config_)) log_warn("msg=\"{}\"", warning);
    for (const auto& s : config_.sources)
      if (s.settings.insecure_skip_verify)
        log_warn("source={} msg=\"TLS certificate verification is OFF (insecure_skip_verify: true)\"", s.name);

    auto token = read_token(config_.api.token_file);
    if (!token) {
      log_error("msg=\"{}\"", token.error().message);
      return 2;
    }
    declare_crm_metrics(metrics_);
    metrics_.gauge_set("crm_index_build_info", {{"version", build_version()}, {"revision", build_revision()}}, 1);
    runner_ = std::make_unique<SourceRunner>(*writer_, &writer_mutex_, clock_, &metrics_);
    scheduler_ = std::make_unique<Scheduler>(SchedulerOptions{}, *runner_, sleeper_, clock_, metrics_);
    outputs_ = std::make_unique<Outputs>(config_.database, changes_, metrics_, clock_);
    live_ = std::make_unique<LiveReads>(*runner_, live_context_factory(scheduler_->rate_limiters(), sleeper_, clock_, &metrics_),
                                        metrics_, clock_);
    live_->apply(config_);
    marks_ = std::make_unique<WriterMarkDesk>(*runner_, config_);
    if (config_.cluster)
      cluster_ = std::make_unique<ClusterNode>(
          config_, ClusterParts{*writer_, writer_mutex_, *runner_, *scheduler_, changes_, metrics_, clock_});
    api_ = std::make_unique<ApiServer>(ApiOptions{config_.api.listen, *token, 4, config_.api.limits}, config_.database,
                                       *scheduler_, changes_, metrics_, clock_, outputs_.get(), live_.get(),
                                       cluster_ ? cluster_->marks() : marks_.get());
    api_->set_policy(api_policy(config_));
    if (auto st = api_->start(); !st) {
      log_error("msg=\"API: {}\"", st.error().message);
      return st.error().kind == ErrorKind::config ? 2 : 1;
    }
    if (!config_.hints.listen.empty()) {
      hints_ = std::make_unique<HintsServer>(config_, *scheduler_, metrics_, clock_);
      if (auto st = hints_->start(); !st) {
        log_error("msg=\"{}\"", st.error().message);
        return st.error().kind == ErrorKind::config ? 2 : 1;
      }
    }
    mark_reload(true);
    scheduler_->apply_config(config_);
    if (cluster_) cluster_->start();  // gates the scheduler: before it starts
    scheduler_->start();
    outputs_->apply(config_.outputs);
    update_ready();
    log_info("msg=\"crm-index running\" api=http://{} sources={} database={}", display_listen(),
             config_.sources.size(), config_.database);
    if (hints_) log_info("msg=\"hints listener up\" hints={}", hints_listen());
    notifier_.ready();
    notifier_.status(status_line(scheduler_->snapshot(), clock_.now()));

    wait_for_signals(set);

    notifier_.stopping();
    log_info("msg=\"stopping: finishing the pages in hand\"");
    api_->set_ready(false);
    if (hints_) hints_->stop();
    scheduler_->stop();  // stops the sleeper, so a live read waiting for its rate limit ends too
    if (cluster_) cluster_->stop();  // after the runs ended: its leases go last
    live_->stop();       // before the API: its answers go to the API's waiting requests
    outputs_->stop();
    api_->stop();
    log_info("msg=\"stopped\"");
    return 0;
  }

 private:
  std::string display_listen() const {
    if (!api_) return config_.api.listen;
    std::string host = config_.api.listen.substr(0, config_.api.listen.rfind(':'));
    return fmt::format("{}:{}", host, api_->port());
  }

  std::string hints_listen() const {
    const std::string& l = config_.hints.listen;
    return fmt::format("{}:{}", l.substr(0, l.rfind(':')), hints_->port());
  }

  // A replica serves once it has caught up with the record stream (readyz says so).
  void update_ready() {
    if (ready_) return;
    if (cluster_ && !cluster_->ready()) return;
    ready_ = true;
    api_->set_ready(true);
  }

  void mark_reload(bool ok) {
    scheduler_->set_config_reload_ok(ok);
    metrics_.gauge_set("crm_index_config_last_reload_successful", {}, ok ? 1 : 0);
    if (ok)
      metrics_.gauge_set("crm_index_config_last_reload_success_timestamp_seconds", {},
                         static_cast<double>(to_ms(clock_.now())) / 1000.0);
  }

  void reload() {
    notifier_.reloading();
    LoadedConfig loaded = load_config(config_path_);
    if (!loaded.config) {
      for (const auto& e : loaded.errors) log_error("msg=\"config reload refused: {}\"", e.format());
      log_error("msg=\"config reload refused: the previous configuration keeps running\"");
      mark_reload(false);
    } else if (loaded.config->database != config_.database) {
      log_error("msg=\"config reload refused: the database path changed ({} → {}); restart to switch\"",
                config_.database, loaded.config->database);
      mark_reload(false);
    } else {
      if (loaded.config->api.listen != config_.api.listen || loaded.config->api.token_file != config_.api.token_file ||
          loaded.config->api.limits != config_.api.limits)
        log_warn("msg=\"api settings changed: they take effect at the next restart (write_tokens: now)\"");
      if (loaded.config->hints.listen != config_.hints.listen)
        log_warn("msg=\"hints.listen changed: it takes effect at the next restart\"");
      if (loaded.config->cluster.has_value() != config_.cluster.has_value() ||
          (config_.cluster && (loaded.config->cluster->role != config_.cluster->role ||
                               loaded.config->cluster->name != config_.cluster->name ||
                               loaded.config->cluster->servers != config_.cluster->servers ||
                               loaded.config->cluster->lease_ttl != config_.cluster->lease_ttl)))
        log_warn("msg=\"the cluster block changed: it takes effect at the next restart\"");
      config_ = std::move(*loaded.config);
      scheduler_->apply_config(config_);
      live_->apply(config_);
      marks_->apply(config_);
      api_->set_policy(api_policy(config_));
      if (hints_) hints_->apply(config_);
      outputs_->apply(config_.outputs);
      if (cluster_) cluster_->apply(config_);
      mark_reload(true);
      log_info("msg=\"configuration reloaded\" sources={}", config_.sources.size());
    }
    notifier_.ready();
  }

  bool healthy() {
    TimePoint now = clock_.now();
    if (now - scheduler_->loop_heartbeat() > kLoopStallLimit) {
      log_error("msg=\"scheduler loop stalled; withholding the watchdog keep-alive\"");
      return false;
    }
    // A relink of millions of records holds the writer for a while; it is busy, not
    // stuck, as long as it makes progress (Linker::set_heartbeat).
    if (now - scheduler_->link_heartbeat() < kWriterStallLimit) return true;
    std::unique_lock lock(writer_mutex_, std::defer_lock);
    if (!lock.try_lock_for(kWriterStallLimit)) {
      log_error("msg=\"writer stuck for {}s; withholding the watchdog keep-alive\"", kWriterStallLimit.count() / 1000);
      return false;
    }
    return true;
  }

  void wait_for_signals(const sigset_t& set) {
    auto last_status = std::chrono::steady_clock::now();
    while (true) {
      timespec tick{1, 0};
      siginfo_t info;
      int sig = sigtimedwait(&set, &info, &tick);
      if (sig == SIGTERM || sig == SIGINT) {
        log_info("msg=\"signal {} received\"", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        return;
      }
      if (sig == SIGHUP) reload();
      update_ready();
      if (notifier_.watchdog_interval() && healthy()) notifier_.watchdog();
      auto now = std::chrono::steady_clock::now();
      if (now - last_status >= 5s) {
        last_status = now;
        notifier_.status(status_line(scheduler_->snapshot(), clock_.now()));
      }
    }
  }

  std::string config_path_;
  Config config_;
  SystemClock clock_;
  RealSleeper sleeper_;
  Metrics metrics_;
  ChangeNotifier changes_;
  SystemdNotifier notifier_;
  std::timed_mutex writer_mutex_;
  std::unique_ptr<IndexWriter> writer_;
  std::unique_ptr<SourceRunner> runner_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<Outputs> outputs_;
  std::unique_ptr<HintsServer> hints_;
  std::unique_ptr<LiveReads> live_;
  std::unique_ptr<WriterMarkDesk> marks_;
  std::unique_ptr<ClusterNode> cluster_;
  bool ready_ = false;
  std::unique_ptr<ApiServer> api_;  // after outputs_, live_ and marks_: destroyed first, it uses them
};

}  // namespace

int run_daemon(const std::string& config_path) { return Daemon(config_path).run(); }

}  // namespace crm
