#include "cluster/lease_keeper.h"

#include <nats/nats.h>

#include <algorithm>

#include "core/log.h"

namespace crm {

LeaseKeeper::LeaseKeeper(const ClusterConfig& cluster, Metrics& metrics, const Clock& clock)
    : cluster_(cluster), metrics_(metrics), clock_(clock),
      client_(std::make_unique<NatsClient>(cluster.servers, cluster.auth)) {
  metrics_.declare("crm_index_cluster_lease_held", Metrics::Type::gauge,
                   "1 while this poller holds the source's lease (cluster.role: poller)");
}

LeaseKeeper::~LeaseKeeper() { stop(); }

void LeaseKeeper::set_sources(std::vector<std::string> sources) {
  std::lock_guard lock(mu_);
  sources_ = std::move(sources);
  cv_.notify_all();
}

void LeaseKeeper::start() { thread_ = std::thread([this] { run(); }); }

void LeaseKeeper::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (kv_) kvStore_Destroy(kv_);
  kv_ = nullptr;
  client_->close();
}

bool LeaseKeeper::owns(const std::string& source) const {
  std::lock_guard lock(mu_);
  auto it = held_.find(source);
  return it != held_.end() && clock_.now() - it->second.renewed < cluster_.lease_ttl;
}

std::vector<std::string> LeaseKeeper::owned() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  const TimePoint now = clock_.now();
  for (const auto& [source, held] : held_)
    if (now - held.renewed < cluster_.lease_ttl) out.push_back(source);
  return out;
}

Status LeaseKeeper::open_bucket() {
  if (kv_) return {};
  if (auto st = client_->connect(); !st) return st;
  kvConfig kc;
  kvConfig_Init(&kc);
  kc.Bucket = kLeaseBucket;
  kc.History = 1;
  kc.TTL = static_cast<int64_t>(cluster_.lease_ttl.count()) * 1'000'000;  // nanoseconds
  kc.Replicas = cluster_.replicas();
  kc.StorageType = js_FileStorage;
  natsStatus s = js_CreateKeyValue(&kv_, client_->js(), &kc);
  // Made before by a poller with another lease_ttl: use it as it is.
  if (s != NATS_OK) s = js_KeyValue(&kv_, client_->js(), kLeaseBucket);
  if (s != NATS_OK) {
    kv_ = nullptr;
    return Error::transient(nats_error(std::string("lease bucket ") + kLeaseBucket, s));
  }
  return {};
}

void LeaseKeeper::round() {
  if (auto st = open_bucket(); !st) {
    std::lock_guard lock(mu_);
    if (st.error().message != last_error_) log_warn("cluster={} msg=\"{}\"", cluster_.name, st.error().message);
    last_error_ = st.error().message;
    return;
  }
  std::vector<std::string> sources;
  std::map<std::string, Held> held;
  {
    std::lock_guard lock(mu_);
    sources = sources_;
    held = held_;
    last_error_.clear();
  }
  const std::string& me = cluster_.name;
  for (auto it = held.begin(); it != held.end();) {  // no longer configured: released
    if (std::find(sources.begin(), sources.end(), it->first) == sources.end()) {
      kvStore_Delete(kv_, it->first.c_str());
      it = held.erase(it);
    } else {
      ++it;
    }
  }
  for (const std::string& source : sources) {
    uint64_t rev = 0;
    auto h = held.find(source);
    if (h != held.end()) {
      natsStatus s = kvStore_UpdateString(&rev, kv_, source.c_str(), me.c_str(), h->second.revision);
      if (s == NATS_OK) {
        h->second = {rev, clock_.now()};
        continue;
      }
      // Written by another poller since (our lease expired), or the cluster is out of
      // reach: the lease is ours until lease_ttl after its last renewal at the most.
      if (s != NATS_TIMEOUT && s != NATS_CONNECTION_CLOSED && s != NATS_NO_SERVER) {
        log_warn("cluster={} source={} msg=\"lease lost: {}\"", me, source, natsStatus_GetText(s));
        held.erase(h);
      }
      continue;
    }
    kvEntry* entry = nullptr;
    natsStatus s = kvStore_Get(&entry, kv_, source.c_str());
    if (s == NATS_OK) {
      // Our own key from before a restart: still ours, renewed at its revision.
      const bool mine = kvEntry_ValueString(entry) == me;
      const uint64_t entry_rev = kvEntry_Revision(entry);
      kvEntry_Destroy(entry);
      if (mine && kvStore_UpdateString(&rev, kv_, source.c_str(), me.c_str(), entry_rev) == NATS_OK) {
        held[source] = {rev, clock_.now()};
        log_info("cluster={} source={} msg=\"lease taken\"", me, source);
      }
      continue;
    }
    if (s != NATS_NOT_FOUND) continue;  // out of reach: try again next round
    if (kvStore_CreateString(&rev, kv_, source.c_str(), me.c_str()) == NATS_OK) {
      held[source] = {rev, clock_.now()};
      log_info("cluster={} source={} msg=\"lease taken\"", me, source);
    }
  }
  std::lock_guard lock(mu_);
  held_ = std::move(held);
}

void LeaseKeeper::release_all() {
  std::map<std::string, Held> held;
  {
    std::lock_guard lock(mu_);
    held.swap(held_);
  }
  if (!kv_) return;
  for (const auto& [source, h] : held) {
    // Only a key still at the revision we wrote is ours to delete.
    kvEntry* entry = nullptr;
    if (kvStore_Get(&entry, kv_, source.c_str()) != NATS_OK) continue;
    const bool ours = kvEntry_Revision(entry) == h.revision;
    kvEntry_Destroy(entry);
    if (ours) kvStore_Delete(kv_, source.c_str());
  }
}

void LeaseKeeper::publish_metrics() {
  const auto mine = owned();
  std::vector<std::string> sources;
  {
    std::lock_guard lock(mu_);
    sources = sources_;
  }
  for (const auto& source : sources) {
    const bool held = std::find(mine.begin(), mine.end(), source) != mine.end();
    metrics_.gauge_set("crm_index_cluster_lease_held", {{"source", source}}, held ? 1 : 0);
  }
}

void LeaseKeeper::run() {
  const Millis every = std::max<Millis>(cluster_.lease_ttl / 3, std::chrono::milliseconds(500));
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    round();
    publish_metrics();
    lock.lock();
    cv_.wait_for(lock, every, [&] { return stop_; });
  }
  lock.unlock();
  release_all();
}

}  // namespace crm
