#include "store/search_fold.h"

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "core/text_fold.h"

namespace crm {
namespace {

void fold_sql(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 1 || sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  int n = sqlite3_value_bytes(argv[0]);
  // Reused: a first sync folds every record's name, email and company in one statement.
  thread_local std::string out;
  out.clear();
  fold_text_into(std::string_view(text ? text : "", static_cast<size_t>(n)), out);
  sqlite3_result_text(ctx, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

}  // namespace

int register_fold_function(sqlite3* db) {
  return sqlite3_create_function(db, "fold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                 &fold_sql, nullptr, nullptr);
}

}  // namespace crm
