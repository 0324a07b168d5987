// bench-store-floor: the store floor of a first sync (bench/run, bench/README.md).
//
// Inserts N minimal rows into the `records` table of an empty index opened with the
// index's own settings (open_database: WAL, synchronous=NORMAL, the migrations, hence the
// same unique (source, external id) index), with one prepared statement, in page-sized
// transactions. No hashing of real data, no change feed, no search index, no linking:
// only what SQLite costs for the rows themselves. A sync can be no faster than this.
//
// The values have the shape and size of the fake CRM's records (names with non-ASCII
// letters, an e-mail per id, a phone, a company, a deep link), so that the B-tree pages
// fill as they do in a sync.
//
// With --with-feed-and-search it also writes what a sync writes besides the rows, the
// same way IndexWriter does: a change-feed row per record, and the page's rows put into
// the search index (records_fts) with one statement per page. The difference between the
// two runs is what the change feed and the search index cost.
//
// Prints one line: `store_floor rows=N page=P seconds=S`.
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>
#include <xxhash.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/database.h"

namespace {

constexpr std::array<const char*, 6> kGiven = {"Zoë", "Łukasz", "José", "Søren", "İlker", "Anna"};
constexpr std::array<const char*, 6> kFamily = {"Müller", "Ångström", "O'Brien", "Nguyễn", "Schmidt", "Østergård"};
constexpr std::array<const char*, 4> kCompany = {"Müller & Söhne GmbH", "Café \"Zur Post\" KG", "Acme Ltd",
                                                 "株式会社サンプル"};
constexpr std::array<const char*, 4> kPhone = {"+49 30 1234567", "030 1234567", "(555) 010-1234",
                                               "+44 20 7946 0123"};

// Inserts `rows` rows in transactions of `page` rows; returns the seconds it took.
double insert_rows(SQLite::Database& d, long rows, long page, bool feed_and_search) {
  d.exec("INSERT INTO sources (name, type, created_ms) VALUES ('floor', 'rest', 0)");
  int64_t source_id = d.getLastInsertRowid();
  SQLite::Statement insert(d,
                           "INSERT INTO records (source_id, external_id, crm_type, kind, name, given_name, "
                           "family_name, email, phone, company, national_id, remote_updated_ms, web_url, "
                           "extra, hash, first_seen_ms, changed_ms, deleted_ms, merged_into) VALUES "
                           "(?1, ?2, 'rest', ?3, ?4, ?5, ?6, ?7, ?8, ?9, '', ?10, ?11, '', ?12, ?13, ?13, "
                           "NULL, '')");
  SQLite::Statement change(d, "INSERT INTO changes (source_id, record_id, op, at_ms, run_id) "
                              "VALUES (?1, ?2, 'create', ?3, 1)");
  SQLite::Statement index_page(d, "INSERT INTO records_fts (rowid, name, email, company) "
                                  "SELECT id, name, email, company FROM records WHERE id BETWEEN ?1 AND ?2");
  std::string id, name, email, url;
  const int64_t now_ms = 1'780'000'000'000;
  auto t0 = std::chrono::steady_clock::now();
  for (long first = 1; first <= rows; first += page) {
    SQLite::Transaction tx(d);
    for (long i = first; i < first + page && i <= rows; ++i) {
      auto at = [i](const auto& list, long salt = 1) { return list[static_cast<size_t>(i / salt) % list.size()]; };
      bool company = i % 10 == 0;
      id = std::to_string(i);
      name = company ? at(kCompany) : fmt::format("{} {}", at(kGiven), at(kFamily, 7));
      email = fmt::format("first.last{}@example.com", i);
      url = fmt::format("http://127.0.0.1:8080/customers/{}", i);
      XXH128_hash_t h = XXH3_128bits(email.data(), email.size());
      insert.bind(1, source_id);
      insert.bind(2, id);
      insert.bind(3, company ? "company" : "person");
      insert.bind(4, name);
      insert.bind(5, company ? "" : at(kGiven));
      insert.bind(6, company ? "" : at(kFamily, 7));
      insert.bind(7, email);
      insert.bind(8, i % 8 == 0 ? "" : at(kPhone));
      insert.bind(9, company || i % 5 == 0 ? "" : at(kCompany));
      insert.bind(10, static_cast<int64_t>(1'735'689'600'000 + (i - 1) / 3 * 1000));
      insert.bind(11, url);
      insert.bind(12, &h, static_cast<int>(sizeof h));
      insert.bind(13, now_ms);
      insert.exec();
      insert.reset();
      if (feed_and_search) {
        change.bind(1, source_id);
        change.bind(2, d.getLastInsertRowid());
        change.bind(3, now_ms);
        change.exec();
        change.reset();
      }
    }
    if (feed_and_search) {
      index_page.bind(1, static_cast<int64_t>(first));
      index_page.bind(2, static_cast<int64_t>(first + page - 1));
      index_page.exec();
      index_page.reset();
    }
    tx.commit();
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bench-store-floor DB_PATH ROWS PAGE_SIZE [--with-feed-and-search]\n");
    return 2;
  }
  std::string path = argv[1];
  long rows = std::atol(argv[2]);
  long page = std::atol(argv[3]);
  bool feed_and_search = argc > 4 && std::string(argv[4]) == "--with-feed-and-search";
  auto db = crm::open_database(path, crm::OpenMode::read_write);
  if (!db) {
    std::fprintf(stderr, "bench-store-floor: %s\n", db.error().message.c_str());
    return 1;
  }
  try {
    double seconds = insert_rows(**db, rows, page, feed_and_search);
    std::printf("store_floor rows=%ld page=%ld feed_and_search=%d seconds=%.3f\n", rows, page,
                feed_and_search ? 1 : 0, seconds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-store-floor: %s\n", e.what());
    return 1;
  }
  return 0;
}
