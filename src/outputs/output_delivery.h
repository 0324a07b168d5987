// OutputDelivery: one output's thread. It walks the change feed (the outbox) from the
// output's stored position, hands each event the output wants to its sink in seq order,
// and moves the position only after the sink took the event: a crash, a restart or an
// outage loses nothing, and only an event whose delivery was not yet recorded is sent
// again (at least once; consumers dedupe by id).
//
// A failed attempt is retried with exponential backoff and jitter; after max_attempts
// (webhooks) the event is dead-lettered and the walk goes on; NATS retries for ever.
// Dead letters a replay asked for are tried before new events. The thread never takes the
// writer: its reads are a read-only connection and its writes the outputs' own tables
// (store/output_store.h), so a down output never slows a sync.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>

#include "core/metrics.h"
#include "core/time.h"
#include "outputs/output_sink.h"
#include "store/change_notifier.h"

namespace crm {

struct ChangeRow;
class OutputStore;

struct OutputSpec {
  std::string name;  // "nats" or the webhook's name
  std::string type;  // nats | webhook
  std::set<std::string> sources, ops;  // empty: every one
  int max_attempts = 0;                // 0: retry for ever (no dead letters)
  int commit_every = 1;                // events delivered per position write, at most
  Millis first_backoff = std::chrono::milliseconds(500);
  Millis max_backoff = std::chrono::seconds(30);
};

// What GET /v1/outputs and the metrics show of a running output.
struct OutputStatus {
  std::string name, type;
  int64_t position = 0;
  std::string last_error;
  int64_t dead_letters = 0;
  int64_t delivered = 0;  // since the output was made
};

class OutputDelivery {
 public:
  OutputDelivery(OutputSpec spec, std::unique_ptr<OutputSink> sink, std::string database,
                 ChangeNotifier& changes, Metrics& metrics, const Clock& clock);
  ~OutputDelivery();  // stops

  void start();
  // Ends the attempt in flight soon (a webhook POST is aborted) and joins the thread.
  void stop();
  OutputStatus status() const;
  const OutputSpec& spec() const { return spec_; }

 private:
  void run();
  bool wants(const ChangeRow& change) const;
  // Delivers the events until taken, dead-lettered or stopped; true unless stopped.
  bool deliver(OutputStore& store, std::span<const OutgoingEvent> events, int prior_attempts);
  void wait_for(Millis d);
  void set_error(OutputStore& store, const std::string& error);
  void publish_lag();

  OutputSpec spec_;
  std::unique_ptr<OutputSink> sink_;
  std::string database_;
  ChangeNotifier& changes_;
  Metrics& metrics_;
  const Clock& clock_;

  std::atomic<bool> stop_{false};
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  mutable std::mutex status_mu_;
  OutputStatus status_;
  std::thread thread_;
};

}  // namespace crm
