// LeaseKeeper: which sources this poller may sync (platform.md "Beyond one machine").
// Each source has one key in the JetStream key-value bucket `crm-index-leases`, whose
// value is the holder's cluster name; the bucket's TTL is lease_ttl, so a key nobody
// renews disappears. Every lease_ttl / 3 the keeper renews the leases it holds (an update
// at the revision it wrote: it fails if someone else wrote since) and takes the free ones
// (a create: it fails if another poller was first). A poller that cannot reach the
// cluster stops counting a lease as its own lease_ttl after its last renewal, when
// another poller may already hold it. On stop() the keeper deletes its keys, so that
// another poller takes them at once.
//
// Thread-safe: owns() from any thread (the scheduler's gate); the keeper runs its own.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/metrics.h"
#include "core/time.h"
#include "nats/nats_client.h"

typedef struct __kvStore kvStore;

namespace crm {

inline constexpr const char* kLeaseBucket = "crm-index-leases";

class LeaseKeeper {
 public:
  LeaseKeeper(const ClusterConfig& cluster, Metrics& metrics, const Clock& clock);
  ~LeaseKeeper();  // stops

  // The sources to hold leases for (a reload changes them: dropped ones are released).
  void set_sources(std::vector<std::string> sources);
  void start();
  void stop();

  bool owns(const std::string& source) const;
  std::vector<std::string> owned() const;

 private:
  struct Held {
    uint64_t revision = 0;
    TimePoint renewed{};
  };
  void run();
  void round();
  Status open_bucket();
  void release_all();
  void publish_metrics();

  ClusterConfig cluster_;
  Metrics& metrics_;
  const Clock& clock_;
  std::unique_ptr<NatsClient> client_;
  kvStore* kv_ = nullptr;  // the keeper's thread only

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<std::string> sources_;
  std::map<std::string, Held> held_;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace crm
