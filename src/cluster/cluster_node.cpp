#include "cluster/cluster_node.h"

#include "cluster/record_stream_sink.h"
#include "core/log.h"

namespace crm {
namespace {

std::vector<std::string> enabled_sources(const Config& config) {
  std::vector<std::string> out;
  for (const auto& s : config.sources)
    if (s.enabled) out.push_back(s.name);
  return out;
}

// The record states' delivery: NATS dedupes a retried batch by message id, so its
// position is written every 100 events, as the events output's is.
OutputSpec records_output_spec() {
  OutputSpec s;
  s.name = "cluster-records";
  s.type = "nats";
  s.max_attempts = 0;  // the cluster is waited for: nothing is dead-lettered
  s.commit_every = 100;
  s.max_backoff = std::chrono::seconds(5);
  return s;
}

}  // namespace

ClusterNode::ClusterNode(const Config& config, ClusterParts parts)
    : cluster_(*config.cluster), parts_(parts), database_(config.database),
      config_(std::make_shared<const Config>(config)),
      marks_(std::make_unique<MarkStream>(config, parts.runner, parts.writer, parts.writer_mutex,
                                          [this] { return follower_ && follower_->caught_up(); })) {}

ClusterNode::~ClusterNode() { stop(); }

void ClusterNode::link() {
  std::shared_ptr<const Config> config;
  {
    std::lock_guard lock(mu_);
    config = config_;
  }
  if (auto linked = parts_.runner.link(*config); !linked)
    log_warn("cluster={} msg=\"linking after the record stream: {}\"", cluster_.name, linked.error().message);
}

void ClusterNode::start() {
  FollowerHooks hooks;
  hooks.after_apply = [this] { link(); };
  if (cluster_.role == ClusterRole::poller) {
    leases_ = std::make_unique<LeaseKeeper>(cluster_, parts_.metrics, parts_.clock);
    leases_->set_sources(enabled_sources(*config_));
    LeaseKeeper* leases = leases_.get();
    parts_.scheduler.set_gate([leases](const std::string& source) { return leases->owns(source); });
    hooks.skip = [leases](const std::string& source) { return leases->owns(source); };
    leases_->start();
    publisher_ = std::make_unique<OutputDelivery>(records_output_spec(), std::make_unique<RecordStreamSink>(cluster_),
                                                  database_, parts_.changes, parts_.metrics, parts_.clock);
    publisher_->start();
  } else {
    parts_.scheduler.set_gate([](const std::string&) { return false; });  // a replica polls nothing
  }
  follower_ = std::make_unique<StreamFollower>(cluster_, parts_.writer, parts_.writer_mutex, std::move(hooks),
                                               parts_.metrics, parts_.clock);
  follower_->start();
  marks_->start();
  log_info("cluster={} role={} msg=\"cluster node started\" lease_ttl={}s", cluster_.name, to_string(cluster_.role),
           cluster_.lease_ttl.count() / 1000);
}

void ClusterNode::apply(const Config& config) {
  {
    std::lock_guard lock(mu_);
    config_ = std::make_shared<const Config>(config);
  }
  if (leases_) leases_->set_sources(enabled_sources(config));
  marks_->apply(config);
}

void ClusterNode::stop() {
  // The follower first: it takes the writer. The leases last: until the publisher has
  // stopped, this poller still speaks for its sources.
  marks_->stop();
  if (follower_) follower_->stop();
  if (publisher_) publisher_->stop();
  if (leases_) leases_->stop();
}

bool ClusterNode::ready() const {
  if (cluster_.role == ClusterRole::poller) return true;
  return follower_ && follower_->caught_up();
}

}  // namespace crm
