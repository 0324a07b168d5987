// StreamFollower: builds this process's index from the CRM_RECORDS stream (platform.md
// "Beyond one machine"). It replays the stream from after the last message it applied
// (stream_positions, sql/0010) and then follows it, with an ordered consumer (libnats
// recreates it after a lost server or connection, from the last message seen). Messages
// are applied in batches, each ONE writer transaction together with the stream position
// (IndexWriter::apply_replicated): a crash or a restart resumes exactly after the last
// batch applied. After each batch that changed the index, `after_apply` runs (linking);
// while catching up, once at the end.
//
// A replica applies every source; a poller skips the sources it holds the lease of (it
// publishes those itself), so that when it takes a source over, its index already holds
// what the previous owner published.
//
// caught_up(): the follower has applied everything the stream held when it started (or
// the stream does not exist yet): a replica serves only from then on. Thread-safe
// getters; the follower runs its own thread and takes the writer mutex per batch.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.h"
#include "core/metrics.h"
#include "core/time.h"
#include "nats/nats_client.h"
#include "store/index_writer.h"

namespace crm {

struct FollowerHooks {
  std::function<bool(const std::string& source)> skip;  // unset: apply every source
  std::function<void()> after_apply;                   // unset: nothing
};

class StreamFollower {
 public:
  StreamFollower(const ClusterConfig& cluster, IndexWriter& writer, std::timed_mutex& writer_mutex,
                 FollowerHooks hooks, Metrics& metrics, const Clock& clock);
  ~StreamFollower();  // stops

  void start();
  void stop();
  bool caught_up() const { return caught_up_.load(); }
  uint64_t applied_seq() const { return applied_seq_.load(); }
  std::string last_error() const;

 private:
  void run();
  // One subscription's life: until stopped or it fails. False on failure.
  bool follow();
  Status apply(std::vector<struct PendingState>& batch, uint64_t last_seq);
  void set_error(const std::string& error);

  ClusterConfig cluster_;
  IndexWriter& writer_;
  std::timed_mutex& writer_mutex_;
  FollowerHooks hooks_;
  Metrics& metrics_;
  const Clock& clock_;
  std::unique_ptr<NatsClient> client_;

  std::atomic<bool> stop_{false};
  std::atomic<bool> caught_up_{false};
  std::atomic<uint64_t> applied_seq_{0};
  bool changed_unlinked_ = false;  // the follower's thread only
  mutable std::mutex error_mu_;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace crm
