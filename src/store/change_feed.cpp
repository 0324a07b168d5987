#include "store/change_feed.h"

namespace crm {

ChangeFeed::ChangeFeed(SQLite::Database& db)
    : db_(db),
      event_(db,
             "INSERT INTO changes (source_id, record_id, op, at_ms, run_id, mark_id) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
      customer_(db,
                "INSERT INTO changes (source_id, record_id, op, at_ms) "
                "SELECT source_id, id, 'update', ?2 FROM records WHERE id = ?1") {}

void ChangeFeed::append(int64_t source_id, int64_t record_id, const char* op, int64_t at_ms, int64_t run_id,
                        int64_t mark_id) {
  event_.reset();
  event_.bind(1, source_id);
  event_.bind(2, record_id);
  event_.bindNoCopy(3, op);
  event_.bind(4, at_ms);
  if (run_id) event_.bind(5, run_id); else event_.bind(5);
  if (mark_id) event_.bind(6, mark_id); else event_.bind(6);
  event_.exec();
  appended_ = db_.getLastInsertRowid();
}

void ChangeFeed::append_customer_change(int64_t record_id, int64_t at_ms) {
  customer_.reset();
  customer_.bind(1, record_id);
  customer_.bind(2, at_ms);
  if (customer_.exec() > 0) appended_ = db_.getLastInsertRowid();
}

int64_t ChangeFeed::last_seq() { return db_.execAndGet("SELECT coalesce(max(seq), 0) FROM changes").getInt64(); }

void ChangeFeed::published() {
  if (notifier_ && appended_ > 0) notifier_->notify(appended_);
  appended_ = 0;
}

void ChangeFeed::set_notifier(ChangeNotifier* notifier) {
  notifier_ = notifier;
  if (notifier_) notifier_->notify(last_seq());
}

}  // namespace crm
