#include "cluster/stream_follower.h"

#include <fmt/format.h>
#include <nats/nats.h>

#include <unordered_map>

#include "cluster/record_state.h"
#include "core/log.h"
#include "sync/record_hash.h"

namespace crm {

struct PendingState {
  RecordState state;
};

namespace {

using namespace std::chrono_literals;

constexpr size_t kBatch = 5000;          // messages per writer transaction, at most
constexpr int64_t kNextMsgWaitMs = 100;  // a batch is applied once the stream pauses this long
constexpr Millis kRetryWait = 1s;        // after a failed subscription or a missing stream

}  // namespace

StreamFollower::StreamFollower(const ClusterConfig& cluster, IndexWriter& writer, std::timed_mutex& writer_mutex,
                               FollowerHooks hooks, Metrics& metrics, const Clock& clock)
    : cluster_(cluster), writer_(writer), writer_mutex_(writer_mutex), hooks_(std::move(hooks)), metrics_(metrics),
      clock_(clock), client_(std::make_unique<NatsClient>(cluster.servers, cluster.auth)) {
  metrics_.declare("crm_index_cluster_applied_seq", Metrics::Type::gauge,
                   "The CRM_RECORDS stream sequence this index has applied up to");
  metrics_.declare("crm_index_cluster_caught_up", Metrics::Type::gauge,
                   "1 once this index applied everything the record stream held when it started");
  metrics_.gauge_set("crm_index_cluster_caught_up", {}, 0);
}

StreamFollower::~StreamFollower() { stop(); }

void StreamFollower::start() { thread_ = std::thread([this] { run(); }); }

void StreamFollower::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  client_->close();
}

std::string StreamFollower::last_error() const {
  std::lock_guard lock(error_mu_);
  return last_error_;
}

void StreamFollower::set_error(const std::string& error) {
  std::lock_guard lock(error_mu_);
  if (!error.empty() && error != last_error_) log_warn("cluster={} msg=\"record stream: {}\"", cluster_.name, error);
  last_error_ = error;
}

Status StreamFollower::apply(std::vector<PendingState>& pending, uint64_t last_seq) {
  ReplicatedBatch batch;
  batch.stream = kRecordsStream;
  batch.last_seq = last_seq;
  batch.now = clock_.now();
  // The last state of each record wins: a batch may hold two of one subject.
  std::unordered_map<std::string, size_t> source_at;
  std::vector<std::unordered_map<std::string, size_t>> record_at;
  for (PendingState& p : pending) {
    auto [s, new_source] = source_at.emplace(p.state.source, batch.sources.size());
    if (new_source) {
      batch.sources.push_back({p.state.source, p.state.crm_type, {}, {}});
      record_at.emplace_back();
    }
    ReplicatedSource& src = batch.sources[s->second];
    const Hash128 hash = hash_record(p.state.record);
    auto [r, new_record] = record_at[s->second].emplace(p.state.record.external_id, src.records.size());
    if (new_record) {
      src.records.push_back(std::move(p.state.record));
      src.hashes.push_back(hash);
    } else {
      src.records[r->second] = std::move(p.state.record);
      src.hashes[r->second] = hash;
    }
  }
  pending.clear();
  ReplicatedCounts counts;
  {
    std::lock_guard lock(writer_mutex_);
    auto applied = writer_.apply_replicated(batch);
    if (!applied) return applied.error();
    counts = *applied;
  }
  applied_seq_ = last_seq;
  metrics_.gauge_set("crm_index_cluster_applied_seq", {}, static_cast<double>(last_seq));
  // While catching up, linking waits for the end (one bulk relink rather than one per batch).
  if (counts.created + counts.updated + counts.deleted > 0) changed_unlinked_ = true;
  if (changed_unlinked_ && caught_up_ && hooks_.after_apply) {
    changed_unlinked_ = false;
    hooks_.after_apply();
  }
  return {};
}

bool StreamFollower::follow() {
  if (auto st = client_->connect(); !st) {
    set_error(st.error().message);
    return false;
  }
  uint64_t position = 0;
  {
    std::lock_guard lock(writer_mutex_);
    auto p = writer_.stream_position(kRecordsStream);
    if (!p) {
      set_error(p.error().message);
      return false;
    }
    position = *p;
  }
  applied_seq_ = position;
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, client_->js(), kRecordsStream, nullptr, &jerr);
  if (s == NATS_NOT_FOUND) {  // no poller published yet: nothing to catch up with
    caught_up_ = true;
    metrics_.gauge_set("crm_index_cluster_caught_up", {}, 1);
    set_error("");
    return false;
  }
  if (s != NATS_OK) {
    set_error(nats_error(std::string("stream ") + kRecordsStream, s, jerr));
    return false;
  }
  const uint64_t target = info->State.LastSeq;
  jsStreamInfo_Destroy(info);
  auto mark_caught_up = [&] {
    if (caught_up_) return;
    if (changed_unlinked_ && hooks_.after_apply) {  // what the replay brought, linked in one go, before ready
      changed_unlinked_ = false;
      hooks_.after_apply();
    }
    caught_up_ = true;
    metrics_.gauge_set("crm_index_cluster_caught_up", {}, 1);
    log_info("cluster={} msg=\"record stream caught up\" seq={}", cluster_.name, applied_seq_.load());
  };
  if (target <= position) mark_caught_up();

  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = kRecordsStream;
  so.Ordered = true;
  if (position > 0) {
    so.Config.DeliverPolicy = js_DeliverByStartSequence;
    so.Config.OptStartSeq = position + 1;
  } else {
    so.Config.DeliverPolicy = js_DeliverAll;
  }
  natsSubscription* sub = nullptr;
  jerr = static_cast<jsErrCode>(0);
  s = js_SubscribeSync(&sub, client_->js(), kRecordsSubjects, nullptr, &so, &jerr);
  if (s != NATS_OK) {
    set_error(nats_error("subscribe to " + std::string(kRecordsStream), s, jerr));
    return false;
  }
  set_error("");
  std::vector<PendingState> pending;
  uint64_t last_seq = position, left = 0, bad = 0;
  bool ok = true, unapplied = false;
  while (!stop_) {
    natsMsg* msg = nullptr;
    s = natsSubscription_NextMsg(&msg, sub, kNextMsgWaitMs);
    if (s == NATS_OK) {
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, msg) != NATS_OK) {  // not a stream message
        natsMsg_Destroy(msg);
        continue;
      }
      last_seq = meta->Sequence.Stream;
      left = meta->NumPending;
      jsMsgMetaData_Destroy(meta);
      unapplied = true;
      auto state = parse_record_state(std::string_view(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)));
      natsMsg_Destroy(msg);
      if (!state) {
        if (bad++ == 0)
          log_warn("cluster={} msg=\"record stream: message {} skipped: {}\"", cluster_.name, last_seq,
                   state.error().message);
      } else if (!(hooks_.skip && hooks_.skip(state->source))) {
        pending.push_back({std::move(*state)});
      }
      if (pending.size() < kBatch && left > 0) continue;  // more are right behind it
    } else if (s != NATS_TIMEOUT) {
      set_error(nats_error("record stream", s));
      ok = false;
      break;
    }
    if (unapplied) {
      if (auto st = apply(pending, last_seq); !st) {
        set_error(st.error().message);
        ok = false;
        break;
      }
      unapplied = false;
    }
    // By the leader's last sequence, not the consumer's pending count: a consumer placed
    // on a node that is still catching up (just restarted) reports nothing pending early.
    if (last_seq >= target) mark_caught_up();
  }
  natsSubscription_Destroy(sub);
  return ok;
}

void StreamFollower::run() {
  while (!stop_) {
    follow();
    for (Millis waited{0}; waited < kRetryWait && !stop_; waited += Millis{100})
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace crm
