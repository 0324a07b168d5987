#include "sync/sync_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <unordered_map>

#include "core/log.h"
#include "sync/field_transforms.h"
#include "sync/record_hash.h"
#include "sync/record_limits.h"

namespace crm {
namespace {

// Decides what each record of a page means for the index.
class PageDiff {
 public:
  void compute(const Page& page, const std::vector<StoredState>& stored, RunCounts& counts,
               SeenSet* seen, std::vector<RecordWrite>& writes, std::vector<RecordTouch>& touches) {
    writes.clear();
    touches.clear();
    last_index_.clear();
    for (size_t i = 0; i < page.records.size(); ++i)
      last_index_[page.records[i].external_id] = i;
    for (size_t i = 0; i < page.records.size(); ++i) {
      const Record& r = page.records[i];
      if (last_index_[r.external_id] != i) continue;  // a later copy on this page wins
      const StoredState& s = stored[i];
      Hash128 h = hash_record(r);
      if (r.deleted) {
        if (s.row_id != 0 && !s.deleted) {
          writes.push_back({&r, s.row_id, h, ChangeOp::remove});
          ++counts.deleted;
        } else {
          ++counts.unchanged;  // a deletion we already know, or of a record never indexed
        }
      } else if (s.row_id == 0 || s.deleted) {
        writes.push_back({&r, s.row_id, h, ChangeOp::create});
        ++counts.created;
      } else if (s.hash == h) {
        ++counts.unchanged;
        if (seen) seen->add(s.row_id);
        // Only the CRM's modification time moved (a merge survivor, a save of the same
        // value, an edit of an unmapped field): bring that one column level.
        if (int64_t t = to_ms(r.remote_updated_at); t != s.remote_updated_ms) {
          touches.push_back({s.row_id, t});
          ++counts.touched;
        }
      } else {
        writes.push_back({&r, s.row_id, h, ChangeOp::update});
        ++counts.updated;
      }
    }
  }

 private:
  std::unordered_map<std::string_view, size_t> last_index_;
};

double seconds_between(TimePoint a, TimePoint b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

SyncRun::SyncRun(const SourceConfig& source, std::string crm_type, Connector& connector,
                 IndexWriter& writer, const Clock& clock, std::timed_mutex* writer_mutex)
    : source_(source), crm_type_(std::move(crm_type)), connector_(connector), writer_(writer),
      clock_(clock), writer_mutex_(writer_mutex) {}

void SyncRun::prepare_records(std::vector<Record>& records, RunCounts& counts, int64_t run_id) {
  size_t kept = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    Record& r = records[i];
    apply_field_transforms(r, source_.field_transforms);
    RecordLimitResult res = apply_record_limits(r);
    if (res.rejected) {
      ++counts.skipped;
      log_warn("source={} run={} msg=\"record skipped: {}\"", source_.name, run_id, res.reason);
      continue;
    }
    if (res.truncated) {
      ++counts.truncated;
      log_warn("source={} run={} external_id={} msg=\"record cut to the index's limits: {}\"", source_.name,
               run_id, r.external_id, res.reason);
    }
    if (kept != i) records[kept] = std::move(r);
    ++kept;
  }
  records.resize(kept);
}

RunSummary SyncRun::run(bool force_full, const ProgressFn& progress,
                        const std::atomic<bool>* stop) {
  std::optional<std::string> full_pass_needed;
  RunSummary summary = run_once(force_full, progress, stop, full_pass_needed);
  if (!full_pass_needed || (stop && stop->load())) return summary;
  log_info("source={} run={} msg=\"{}; a full pass follows\"", source_.name, summary.run_id, *full_pass_needed);
  return run_once(true, progress, stop, full_pass_needed);
}

RunSummary SyncRun::run_once(bool force_full, const ProgressFn& progress, const std::atomic<bool>* stop,
                             std::optional<std::string>& full_pass_needed) {
  full_pass_needed.reset();
  // Every use of the writer goes through `locked`, so that runs of other sources can
  // share it; fetching never holds the lock.
  auto locked = [this](auto&& fn) {
    if (!writer_mutex_) return fn();
    std::lock_guard lock(*writer_mutex_);
    return fn();
  };
  RunSummary summary;
  const TimePoint started = clock_.now();
  summary.started = started;
  auto fail_early = [&](const Error& e) {
    summary.status = RunStatus::failed;
    summary.error = e.message;
    summary.failure = e;
    log_error("source={} msg=\"{}\"", source_.name, e.message);
    return summary;
  };

  auto src = locked([&] { return writer_.ensure_source(source_.name, source_.type, started); });
  if (!src) return fail_early(src.error());
  if (auto st = locked([&] { return writer_.fail_abandoned_runs(src->id, started, unrecorded_failure_); }); !st)
    return fail_early(st.error());

  const auto& cfg = source_.settings;
  bool full = force_full || !src->watermark || !src->last_full ||
              started - *src->last_full >= cfg.full_sync_every;
  summary.mode = full ? SyncMode::full : SyncMode::incremental;

  // A first sync (no run ever completed) that an earlier process left with a cursor
  // continues from it, where the connector's tokens outlive a process.
  const bool first_sync = !src->watermark && !src->last_full;
  const bool resumable = full && first_sync && connector_.resumable();
  std::optional<StoredCursor> resume = resumable ? src->cursor : std::nullopt;
  summary.resumed = resume.has_value();
  const TimePoint pass_started = resume ? resume->pass_started : started;

  long live_before = 0;
  if (full && !resume) {
    auto n = locked([&] { return writer_.count_live(src->id); });
    if (!n) return fail_early(n.error());
    live_before = *n;
  }
  auto run_id = locked([&] { return writer_.begin_run(src->id, summary.mode, started); });
  if (!run_id) return fail_early(run_id.error());
  summary.run_id = *run_id;
  log_info("source={} run={} msg=\"{} run started{}\"", source_.name, summary.run_id,
           to_string(summary.mode), resume ? ", resuming an interrupted first sync from its cursor" : "");

  Cursor cursor;
  cursor.mode = summary.mode;
  if (!full) cursor.since = incremental_since(*src->watermark, cfg.overlap);
  cursor.state = src->connector_state;
  if (resume) cursor.page_token = resume->page_token;

  RunCounts& counts = summary.counts;
  SeenSet seen;
  PageDiff diff;
  std::vector<StoredState> stored;
  std::vector<RecordWrite> writes;
  std::vector<RecordTouch> touches;
  std::optional<TimePoint> high_water;
  std::optional<Error> failure;

  PageCommit commit;
  commit.source_id = src->id;
  commit.run_id = summary.run_id;
  commit.crm_type = crm_type_;
  commit.run_started = pass_started;
  commit.counts = &counts;
  // A resumed pass saw only part of the records: its seen-set could tombstone nothing.
  commit.seen = full && !resume ? &seen : nullptr;

  // The connector is used by one thread at a time: the fetch of page k+1 runs while
  // page k is written, and every exit path below waits for it first.
  auto fetch = [this](Cursor c) { return connector_.next_page(c); };
  std::future<Result<Page>> pending = std::async(std::launch::async, fetch, cursor);
  bool completed = false;
  while (true) {
    Result<Page> page = pending.get();
    if (!page) {
      failure = page.error();
      break;
    }
    if (page->needs_full_pass) {
      failure = Error::transient(*page->needs_full_pass);
      if (!full) full_pass_needed = *page->needs_full_pass;
      break;
    }
    ++counts.pages;
    counts.fetched += static_cast<long>(page->records.size() + page->deletions.size()) + page->skipped;
    counts.skipped += page->skipped;
    for (const auto& reason : page->skip_reasons)
      log_warn("source={} run={} msg=\"record skipped: {}\"", source_.name, summary.run_id, reason);
    prepare_records(page->records, counts, summary.run_id);
    if (page->high_water && (!high_water || *page->high_water > *high_water))
      high_water = page->high_water;

    bool more = page->next.has_value();
    if (more && cursor.page_token && *page->next == *cursor.page_token) {
      failure = Error::transient(fmt::format(
          "pagination did not advance: the CRM returned the same next-page token '{}' twice", page->next->substr(0, 80)));
      more = false;
    } else if (more && counts.pages >= kMaxPagesPerRun) {
      failure = Error::transient(fmt::format("stopped after {} pages: pagination does not end", counts.pages));
      more = false;
    } else if (more && stop && stop->load()) {
      failure = Error::interrupted("interrupted: shutting down");
      more = false;
    }
    if (page->state) cursor.state = page->state;  // the next page builds on it
    if (more) {
      cursor.page_token = page->next;
      pending = std::async(std::launch::async, fetch, cursor);
    }

    Status st = locked([&]() -> Status {
      if (auto s = writer_.lookup(src->id, page->records, stored); !s) return s;
      diff.compute(*page, stored, counts, commit.seen, writes, touches);
      commit.writes = std::move(writes);
      commit.touches = std::move(touches);
      commit.deletions = &page->deletions;
      commit.connector_state = page->state ? &*page->state : nullptr;
      commit.next_token = page->next;
      commit.now = clock_.now();
      commit.end = nullptr;
      Status s = writer_.commit(commit);
      writes = std::move(commit.writes);
      touches = std::move(commit.touches);
      commit.deletions = nullptr;
      commit.connector_state = nullptr;
      return s;
    });
    if (!st) failure = st.error();
    if (progress) progress(counts, seconds_between(started, clock_.now()));
    if (failure || !more) {
      if (more) pending.wait();
      completed = !failure;
      break;
    }
  }
  // Skipped on purpose before anything was read (a quota reserve): not a failure.
  const bool skipped = failure && failure->kind == ErrorKind::skipped && counts.pages == 0;

  RunEnd end;
  if (completed && connector_.has_deleted_since() && cursor.since) {
    auto deletions = connector_.deleted_since(*cursor.since);
    if (!deletions) {
      completed = false;
      failure = deletions.error();
    } else {
      end.deletions = std::move(*deletions);
    }
  }
  if (completed) {
    end.status = RunStatus::ok;
    if (high_water) {
      TimePoint wm = std::min(pass_started, *high_water);
      if (src->watermark) wm = std::max(wm, *src->watermark);
      end.new_watermark = wm;
    }
    if (resume) {
      end.full_pass_completed = true;  // nothing to tombstone on a first sync anyway
    } else if (full) {
      double guard = cfg.delete_guard;
      if (live_before > 0 && static_cast<double>(seen.count()) < guard * static_cast<double>(live_before)) {
        end.status = RunStatus::failed;
        end.error = fmt::format(
            "delete guard: the full pass saw {} of {} live records ({:.1f}%, guard {:.0f}%); "
            "no deletions applied",
            seen.count(), live_before, 100.0 * static_cast<double>(seen.count()) / static_cast<double>(live_before),
            guard * 100.0);
        end.new_watermark.reset();
      } else {
        end.full_pass_completed = true;
        end.tombstone_unseen = true;
        end.confirm_unseen = connector_.listing_may_shift();
      }
    }
  } else if (skipped) {
    end.status = RunStatus::skipped;
    end.error = failure->message;
  } else {
    end.status = RunStatus::failed;
    end.error = failure->message;
    end.error_kind = to_string(failure->kind);
    // What this run read stays read: a later process continues after it.
    end.keep_cursor = resumable && counts.pages > 0;
  }
  if (end.status == RunStatus::failed && !failure) {  // the delete guard
    failure = Error::data(end.error);
    end.error_kind = to_string(failure->kind);
  }

  commit.writes.clear();
  commit.touches.clear();
  commit.next_token.reset();
  commit.now = clock_.now();
  commit.end = &end;
  if (auto st = locked([&] { return writer_.commit(commit); }); !st) {
    end.status = RunStatus::failed;
    end.error = st.error().message;
    failure = st.error();
    // The end did not fit (disk full): the failure alone may; else the scheduler keeps
    // it in memory and the next run's start stores it (fail_abandoned_runs).
    summary.end_recorded =
        locked([&] { return writer_.record_run_failure(summary.run_id, end.error, commit.now); }).ok();
  } else {
    summary.end_recorded = true;
  }
  summary.status = end.status;
  summary.error = end.error;
  if (end.status != RunStatus::ok) summary.failure = failure;
  summary.seconds = seconds_between(started, clock_.now());
  if (summary.status == RunStatus::ok) {
    log_info("source={} run={} msg=\"{} run ok\" fetched={} created={} updated={} unchanged={} touched={} deleted={} skipped={} seconds={:.2f}",
             source_.name, summary.run_id, to_string(summary.mode), counts.fetched, counts.created,
             counts.updated, counts.unchanged, counts.touched, counts.deleted, counts.skipped, summary.seconds);
    if (counts.unseen_once > 0)
      log_info("source={} run={} msg=\"{} live records not seen by this full pass; the CRM pages by "
               "position, so they are deleted only if the next full pass misses them too\"",
               source_.name, summary.run_id, counts.unseen_once);
  } else if (summary.status == RunStatus::skipped) {
    log_info("source={} run={} msg=\"{} run skipped: {}\"", source_.name, summary.run_id, to_string(summary.mode),
             summary.error);
  } else {
    log_error("source={} run={} msg=\"{} run failed: {}\"", source_.name, summary.run_id,
              to_string(summary.mode), summary.error);
  }
  return summary;
}

}  // namespace crm
