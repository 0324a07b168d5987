// MarkStream: marks in a cluster (platform.md "Beyond one machine": marks go to
// `crm-index.marks`). Every process's index has its own mark ids, so a mark is published
// by its records: {op: add | remove, a, b, verdict, note, by}. The API's POST and DELETE
// /v1/marks publish to the stream CRM_MARKS (kept whole, in order) and answer once this
// process has applied their message, with the result every process gets from it (the
// mark's local id, or not_found / config). Every process applies every mark message in
// stream order through the one writer (SourceRunner::mark / unmark), after its record
// stream caught up (a mark names records the index must hold), and resumes after the last
// one applied (stream_positions). Applying twice is harmless: an add replaces the mark on
// its pair, a second remove finds none.
//
// Thread-safe: add/remove from API threads; the follower runs its own thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api/mark_desk.h"
#include "config/config.h"
#include "core/time.h"
#include "nats/nats_client.h"
#include "store/index_writer.h"
#include "sync/source_runner.h"

namespace crm {

inline constexpr const char* kMarksStream = "CRM_MARKS";
inline constexpr const char* kMarksSubject = "crm-index.marks";

class MarkStream final : public MarkDesk {
 public:
  // `records_ready`: the record stream has caught up (marks are applied only after).
  MarkStream(const Config& config, SourceRunner& runner, IndexWriter& writer, std::timed_mutex& writer_mutex,
             std::function<bool()> records_ready);
  ~MarkStream() override;  // stops

  void start();
  void stop();
  void apply(const Config& config);

  Result<int64_t> add(const MarkRequest& request) override;
  Status remove(int64_t mark_id, const std::string& by_user) override;

 private:
  void run();
  bool follow();
  Result<int64_t> apply_message(std::string_view body);
  // Publishes and waits until this process applied the message: its result.
  Result<int64_t> publish_and_wait(const std::string& body);
  std::shared_ptr<const Config> config() const;

  ClusterConfig cluster_;
  SourceRunner& runner_;
  IndexWriter& writer_;
  std::timed_mutex& writer_mutex_;
  std::function<bool()> records_ready_;
  StreamSpec stream_;
  std::unique_ptr<NatsClient> follower_client_;   // the follower's thread only
  std::mutex publish_mu_;
  std::unique_ptr<NatsClient> publisher_client_;  // under publish_mu_

  mutable std::mutex mu_;
  std::condition_variable applied_cv_;
  std::shared_ptr<const Config> config_;
  uint64_t applied_ = 0;                      // the last stream sequence applied
  std::map<uint64_t, Result<int64_t>> results_;  // of the last messages applied, by sequence
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace crm
