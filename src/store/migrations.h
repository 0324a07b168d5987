// The schema migrations compiled into the binary from sql/NNNN_*.sql (see
// cmake/embed_migrations.cmake), in ascending version order.
#pragma once

#include <string>
#include <vector>

namespace crm {

struct Migration {
  int version;       // NNNN of the file name; PRAGMA user_version after applying it
  std::string name;  // file name, for messages
  std::string sql;
};

const std::vector<Migration>& migrations();

}  // namespace crm
