// ClusterNode: what the `cluster:` block adds to a daemon (platform.md "Beyond one
// machine"), by role.
//   poller:  holds source leases (LeaseKeeper) and runs only those sources (the
//            scheduler's gate); publishes its runs' record states to CRM_RECORDS (an
//            outputs delivery with RecordStreamSink: the change feed is the outbox); and
//            follows CRM_RECORDS for the sources others hold, so that a source it takes
//            over is already in its index.
//   replica: runs no source; builds its index from CRM_RECORDS (StreamFollower), links
//            it locally, and is ready (readyz, the API) once it has caught up.
// Both: marks go through the stream CRM_MARKS (MarkStream: the API's mark desk here).
// Owned by the daemon: start/apply/stop from its control thread; ready() from any.
#pragma once

#include <memory>
#include <mutex>

#include "cluster/lease_keeper.h"
#include "cluster/mark_stream.h"
#include "cluster/stream_follower.h"
#include "config/config.h"
#include "core/metrics.h"
#include "outputs/output_delivery.h"
#include "store/change_notifier.h"
#include "store/index_writer.h"
#include "sync/scheduler.h"
#include "sync/source_runner.h"

namespace crm {

struct ClusterParts {
  IndexWriter& writer;
  std::timed_mutex& writer_mutex;
  SourceRunner& runner;
  Scheduler& scheduler;
  ChangeNotifier& changes;
  Metrics& metrics;
  const Clock& clock;
};

class ClusterNode {
 public:
  ClusterNode(const Config& config, ClusterParts parts);
  ~ClusterNode();  // stops

  // Gates the scheduler (before it starts) and starts the role's threads.
  void start();
  // A reloaded config: the poller's leases follow its sources; the linker its rules. The
  // cluster block itself takes effect at the next restart.
  void apply(const Config& config);
  void stop();
  // A replica: caught up with the record stream. A poller: always.
  bool ready() const;
  const ClusterConfig& cluster() const { return cluster_; }
  // Where the API's marks go in a cluster (from construction on).
  MarkDesk* marks() { return marks_.get(); }

 private:
  void link();

  ClusterConfig cluster_;
  ClusterParts parts_;
  std::string database_;
  mutable std::mutex mu_;
  std::shared_ptr<const Config> config_;
  std::unique_ptr<LeaseKeeper> leases_;
  std::unique_ptr<OutputDelivery> publisher_;
  std::unique_ptr<StreamFollower> follower_;
  std::unique_ptr<MarkStream> marks_;
};

}  // namespace crm
