// The connector interface: the only way the sync engine talks to a CRM.
//
// A connector knows one CRM's API and nothing else: no SQLite, no scheduling, no
// hashing, no sleeping, no wall clock. It is built from its source's validated config
// block and handed the source's HttpClient (which owns auth, retries, rate limits).
// The engine calls next_page() with a Cursor until a Page has no `next`; pages stream,
// so a connector must not hold more than one page of records in memory.
//
// A connector is used by one thread at a time (not necessarily the same one).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/record.h"
#include "core/result.h"
#include "core/sync_mode.h"
#include "core/time.h"

namespace crm {

struct Cursor {
  SyncMode mode = SyncMode::full;
  // Incremental only: ask for records modified at or after this time. The engine has
  // already subtracted the overlap. Connectors filter with >=, never >.
  std::optional<TimePoint> since;
  // The `next` of the previous page, verbatim; nullopt for the first page of a run.
  std::optional<std::string> page_token;
  // The connector's own state, as the last Page::state of an earlier page or run left it
  // (kept in the index, so it survives restarts); nullopt if it never returned one.
  std::optional<std::string> state;
};

struct Page {
  std::vector<Record> records;      // already mapped to the minimal record
  std::optional<std::string> next;  // opaque token for the next page; nullopt: last page
  std::optional<TimePoint> high_water;  // highest remote modification time on this page
  long skipped = 0;  // records that could not be mapped (counted, logged by the engine)
  std::vector<std::string> skip_reasons;  // first few reasons, for the log

  // Deletions the CRM reported inline by id alone (Dataverse's $deletedEntity rows):
  // tombstoned in this page's transaction, keeping the record's last fields.
  std::vector<Deletion> deletions;
  // Set: the connector's new state (opaque to the engine, e.g. one change-tracking link
  // per object), stored in this page's transaction and handed back in Cursor::state.
  // Return it with the page it belongs to, typically an object's or the run's last page.
  std::optional<std::string> state;
  // Set (to why): the stored state no longer works (an expired delta token, a state
  // from another configuration). Return it alone, with no records and no `next`, from an
  // incremental run: the engine ends that run as failed with this reason and runs a full
  // pass right away, during which the connector builds a fresh state.
  std::optional<std::string> needs_full_pass;

  // Counts a record that could not be mapped; keeps the first few reasons for the log.
  void skip(std::string reason) {
    ++skipped;
    if (skip_reasons.size() < 3) skip_reasons.push_back(std::move(reason));
  }
};

// One record asked for by id (platform.md "Live reads"), as the index knows it.
struct LiveRequest {
  std::string external_id;  // as the connector wrote it into Record::external_id
  RecordKind kind = RecordKind::person;  // which of the source's objects it came from
  // The CRM's own field names (live.fields) to copy into LiveRecord::crm, beyond what the
  // mapping reads: the connector asks the CRM for both.
  const std::vector<std::string>* fields = nullptr;
};

struct LiveRecord {
  // The record mapped exactly as a page's record would be; nullopt when the CRM says it
  // does not exist or is deleted (its 404, an archived or deleted flag). A record with
  // `deleted` set is gone too, and says through merged_into which record survived it.
  std::optional<Record> record;
  // A JSON object {"<field>": <the CRM's value, as it sent it, or null>, ...} holding
  // exactly the requested fields, in their order; "{}" when none were asked for.
  std::string crm = "{}";
};

class Connector {
 public:
  virtual ~Connector() = default;

  virtual Result<Page> next_page(const Cursor& cursor) = 0;

  // Paging by position (page numbers, offsets) over a list that others edit: a record
  // edited, created or deleted during a pass moves the rest across page boundaries, so a
  // full pass can miss a live record. The engine then deletes only what two completed
  // full passes in a row did not see.
  virtual bool listing_may_shift() const { return false; }

  // True when a page token stays valid for another process later (keyset cursors,
  // time-ordered queries that restart after the last row), so that an interrupted
  // first sync continues from its stored cursor instead of from zero. A token that has
  // expired meanwhile must fail the page (the engine then starts the pass over).
  virtual bool resumable() const { return false; }

  // Where the CRM has a deleted-records endpoint: deletions at or after `since`.
  virtual bool has_deleted_since() const { return false; }
  virtual Result<std::vector<Deletion>> deleted_since(TimePoint /*since*/) {
    return std::vector<Deletion>{};
  }

  // Where the CRM reads one record by id (its get-by-id endpoint): one request, no
  // retries of its own (the engine's HttpClient for live reads makes one attempt). The
  // CRM's "no such record" is a LiveRecord without a record, not an Error. Errors carry
  // the CRM's http_status (429 with its retry_after_s) as for pages.
  virtual bool has_get_by_id() const { return false; }
  virtual Result<LiveRecord> get_by_id(const LiveRequest& /*request*/) {
    return Error::config("this connector cannot read one record by id");
  }
};

}  // namespace crm
