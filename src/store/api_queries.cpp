#include "store/api_queries.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/text_fold.h"
#include "store/database.h"
#include "store/record_columns.h"

namespace crm {
namespace {

// A byte the unicode61 tokenizer may keep in a token: an ASCII letter or digit, or part
// of a non-ASCII character (most of which are letters).
bool token_byte(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
}

bool has_token_byte(std::string_view s) {
  for (char c : s)
    if (token_byte(c)) return true;
  return false;
}

// "text" with every '"' doubled: an FTS5 string, which the tokenizer splits into words.
void append_fts_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

std::string fts_match_expression(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    std::string_view word = text.substr(start, i - start);
    if (word.empty() || !has_token_byte(word)) continue;
    // Folded as the index is (records_search, sql/0006_link_search.sql): "Łukasz" and
    // "lukasz" are the same word to both.
    std::string folded = fold_text(word);
    if (folded.empty()) continue;
    if (!out.empty()) out += " AND ";
    append_fts_string(out, folded);
    out += '*';
  }
  return out;
}

std::string fts_email_expression(std::string_view email) {
  std::string folded = fold_text(email);
  if (folded.empty()) return {};
  std::string out = "email : ";
  append_fts_string(out, folded);
  return out;
}

ApiQueries::ApiQueries(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

ApiQueries::~ApiQueries() = default;

Result<std::unique_ptr<ApiQueries>> ApiQueries::open(const std::string& path) {
  auto db = open_database(path, OpenMode::read_only);
  if (!db) return db.error();
  try {
    int version = (*db)->execAndGet("PRAGMA user_version").getInt();
    if (version < kApiSchemaVersion)
      return Error::config(fmt::format(
          "{}: index schema version {} predates the API's (run crm-index once to migrate it)",
          path, version));
    return std::unique_ptr<ApiQueries>(new ApiQueries(std::move(*db)));
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("{}: {}", path, e.what()));
  }
}

SQLite::Statement& ApiQueries::statement(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end())
    it = statements_.emplace(sql, std::make_unique<SQLite::Statement>(*db_, sql)).first;
  return *it->second;
}

Result<std::vector<IndexedSource>> ApiQueries::sources() {
  try {
    auto& q = statement(
        "SELECT s.name, s.type, s.watermark_ms, "
        " (SELECT count(*) FROM records r WHERE r.source_id = s.id AND r.deleted_ms IS NULL), "
        " (SELECT count(*) FROM records r WHERE r.source_id = s.id AND r.deleted_ms IS NOT NULL), "
        " (SELECT finished_ms FROM runs o WHERE o.source_id = s.id AND o.status = 'ok' "
        "  ORDER BY o.id DESC LIMIT 1), "
        " u.id, u.mode, u.status, u.error, u.started_ms, u.finished_ms, u.pages, u.fetched, "
        " u.created, u.updated, u.unchanged, u.deleted, u.skipped, u.touched "
        "FROM sources s LEFT JOIN runs u ON u.id = "
        " (SELECT max(id) FROM runs WHERE source_id = s.id) ORDER BY s.name");
    ResetOnExit reset(q);
    std::vector<IndexedSource> out;
    while (q.executeStep()) {
      IndexedSource s;
      s.name = q.getColumn(0).getString();
      s.type = q.getColumn(1).getString();
      s.watermark = opt_time(q.getColumn(2));
      s.live = static_cast<long>(q.getColumn(3).getInt64());
      s.deleted = static_cast<long>(q.getColumn(4).getInt64());
      s.last_success = opt_time(q.getColumn(5));
      s.last_run = read_run_columns(q, 6);
      out.push_back(std::move(s));
    }
    return out;
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: sources: {}", e.what()));
  }
}

Result<std::optional<std::vector<RunRow>>> ApiQueries::runs(std::string_view source, int limit) {
  try {
    auto& known = statement("SELECT id FROM sources WHERE name = ?1");
    ResetOnExit reset_known(known);
    known.bind(1, std::string(source));
    if (!known.executeStep()) return std::optional<std::vector<RunRow>>{};
    const int64_t source_id = known.getColumn(0).getInt64();
    auto& q = statement(
        "SELECT u.id, u.mode, u.status, u.error, u.started_ms, u.finished_ms, u.pages, u.fetched, "
        "u.created, u.updated, u.unchanged, u.deleted, u.skipped, u.touched "
        "FROM runs u WHERE u.source_id = ?1 ORDER BY u.id DESC LIMIT ?2");
    ResetOnExit reset(q);
    q.bind(1, source_id);
    q.bind(2, limit);
    std::vector<RunRow> out;
    while (q.executeStep())
      if (auto run = read_run_columns(q, 0)) out.push_back(std::move(*run));
    return std::optional<std::vector<RunRow>>(std::move(out));
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: runs: {}", e.what()));
  }
}

Result<std::vector<RecordRow>> ApiQueries::records(const RecordQuery& rq) {
  std::string match;
  bool blank = std::all_of(rq.text.begin(), rq.text.end(), is_space);
  if (!blank) {
    match = fts_match_expression(rq.text);
    if (match.empty()) return std::vector<RecordRow>{};  // only punctuation: nothing matches
  }
  if (!rq.email.empty()) {
    std::string email = fts_email_expression(rq.email);
    if (!email.empty()) match = match.empty() ? email : fmt::format("({}) AND {}", match, email);
  }

  // Row id order comes from the table (or from FTS5, which yields rowids in order);
  // CROSS JOIN keeps it the outer loop so that no query sorts its whole result.
  std::string sql = fmt::format("SELECT r.id, {} FROM ", kRecordColumns);
  if (!match.empty())
    sql += "records_fts f CROSS JOIN records r ON r.id = f.rowid "
           "CROSS JOIN sources s ON s.id = r.source_id "
           "WHERE records_fts MATCH :match AND f.rowid > :after";
  else
    sql += "records r CROSS JOIN sources s ON s.id = r.source_id WHERE r.id > :after";
  // records_by_source_live (source_id, deleted_ms) yields one source's live rows in id
  // order. With tombstones too it would have to sort the whole source for every page:
  // then the unary + keeps SQLite off it, and the walk filters rows in id order instead.
  if (!rq.source.empty())
    sql += rq.include_deleted ? " AND +r.source_id = (SELECT id FROM sources WHERE name = :source)"
                              : " AND r.source_id = (SELECT id FROM sources WHERE name = :source)";
  if (!rq.email.empty()) sql += " AND r.email = :email COLLATE NOCASE";
  if (rq.customer_id)
    sql += " AND r.id IN (SELECT record_id FROM record_customer WHERE customer_id = :cid "
           "UNION ALL SELECT :cid WHERE NOT EXISTS (SELECT 1 FROM record_customer WHERE record_id = :cid))";
  if (rq.updated_since) sql += " AND r.changed_ms >= :since";
  if (!rq.include_deleted) sql += " AND r.deleted_ms IS NULL";
  sql += match.empty() ? " ORDER BY r.id LIMIT :limit" : " ORDER BY f.rowid LIMIT :limit";

  try {
    auto& q = statement(sql);
    ResetOnExit reset(q);
    if (!match.empty()) q.bind(":match", match);
    q.bind(":after", rq.after_row_id);
    if (!rq.source.empty()) q.bind(":source", rq.source);
    if (!rq.email.empty()) q.bind(":email", rq.email);
    if (rq.customer_id) q.bind(":cid", *rq.customer_id);
    if (rq.updated_since) q.bind(":since", static_cast<int64_t>(to_ms(*rq.updated_since)));
    q.bind(":limit", rq.limit);
    std::vector<RecordRow> out;
    out.reserve(static_cast<size_t>(std::max(rq.limit, 0)));
    while (q.executeStep()) {
      RecordRow row;
      row.row_id = q.getColumn(0).getInt64();
      read_record(q, 1, row.record);
      out.push_back(std::move(row));
    }
    return out;
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: records: {}", e.what()));
  }
}

Result<std::optional<StoredRecord>> ApiQueries::record(std::string_view source,
                                                      std::string_view external_id) {
  try {
    auto& q = statement(fmt::format(
        "SELECT r.id, {} FROM records r CROSS JOIN sources s ON s.id = r.source_id "
        "WHERE r.source_id = (SELECT id FROM sources WHERE name = ?1) AND r.external_id = ?2",
        kRecordColumns));
    ResetOnExit reset(q);
    q.bind(1, std::string(source));
    q.bind(2, std::string(external_id));
    if (!q.executeStep()) return std::optional<StoredRecord>{};
    StoredRecord sr;
    read_record(q, 1, sr);
    return std::optional<StoredRecord>(std::move(sr));
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: record: {}", e.what()));
  }
}

Result<ChangePage> ApiQueries::changes(int64_t after_seq, int limit) {
  try {
    ChangePage page;
    {
      auto& q = statement("SELECT coalesce(max(seq), 0) FROM changes");
      ResetOnExit reset(q);
      q.executeStep();
      page.last_seq = q.getColumn(0).getInt64();
    }
    // Bounded by last_seq, read first: the answer never holds a change beyond the
    // last_seq it reports, even when a commit lands between the two statements.
    auto& q = statement(fmt::format(
        "SELECT c.seq, c.op, c.at_ms, {}, m.id, m.op, m.note, m.by_user, m.at_ms, os.name, o.external_id, "
        "m.removed_ms, m.removed_by, c.run_id IS NOT NULL "
        "FROM changes c "
        "CROSS JOIN records r ON r.id = c.record_id CROSS JOIN sources s ON s.id = r.source_id "
        "LEFT JOIN link_marks m ON m.id = c.mark_id "
        "LEFT JOIN records o ON o.id = (CASE WHEN m.a = r.id THEN m.b ELSE m.a END) "
        "LEFT JOIN sources os ON os.id = o.source_id "
        "WHERE c.seq > ?1 AND c.seq <= ?2 ORDER BY c.seq LIMIT ?3",
        kRecordColumns));
    ResetOnExit reset(q);
    q.bind(1, after_seq);
    q.bind(2, page.last_seq);
    q.bind(3, limit);
    while (q.executeStep()) {
      ChangeRow row;
      row.seq = q.getColumn(0).getInt64();
      row.op = q.getColumn(1).getString();
      row.at = from_ms(q.getColumn(2).getInt64());
      read_record(q, 3, row.record);
      constexpr int kMark = 3 + kRecordColumnCount;  // after the record's columns
      if (!q.getColumn(kMark).isNull()) {
        MarkInfo m;
        m.id = q.getColumn(kMark).getInt64();
        m.op = q.getColumn(kMark + 1).getString();
        m.note = q.getColumn(kMark + 2).getString();
        m.by_user = q.getColumn(kMark + 3).getString();
        m.at = from_ms(q.getColumn(kMark + 4).getInt64());
        m.other_source = q.getColumn(kMark + 5).getString();
        m.other_external_id = q.getColumn(kMark + 6).getString();
        if (!q.getColumn(kMark + 7).isNull()) m.removed = from_ms(q.getColumn(kMark + 7).getInt64());
        m.removed_by = q.getColumn(kMark + 8).getString();
        row.mark = std::move(m);
      }
      row.from_run = q.getColumn(kMark + 9).getInt() != 0;
      page.items.push_back(std::move(row));
    }
    return page;
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: changes: {}", e.what()));
  }
}

}  // namespace crm
