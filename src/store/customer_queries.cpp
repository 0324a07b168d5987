// ApiQueries for customers, suggestions and marks (design.md "Linking", sql/0003_link.sql).
// A record in no record_customer row is a customer of its own while it is live, so
// listing every customer walks the records in id order and keeps the rows that head a
// customer: a live record of its own, or the oldest member of a linked one.
#include <fmt/format.h>

#include "store/api_queries.h"
#include "store/record_columns.h"

namespace crm {
namespace {

// A record row heads a customer: live and on its own, or the id of a linked customer.
constexpr const char* kHeadsCustomer =
    "((r.deleted_ms IS NULL AND NOT EXISTS (SELECT 1 FROM record_customer rc WHERE rc.record_id = r.id)) "
    "OR EXISTS (SELECT 1 FROM customers c WHERE c.id = r.id))";

// The customer (id in `col`) has a live member in the source :source.
std::string in_source(const char* col) {
  return fmt::format(
      "EXISTS (SELECT 1 FROM records m WHERE m.deleted_ms IS NULL "
      "AND m.source_id = (SELECT id FROM sources WHERE name = :source) AND (m.id = {0} AND NOT EXISTS "
      "(SELECT 1 FROM record_customer x WHERE x.record_id = m.id) OR m.id IN "
      "(SELECT record_id FROM record_customer WHERE customer_id = {0})))",
      col);
}

}  // namespace

Status ApiQueries::load_members(CustomerRow& c) {
  auto& q = statement(fmt::format(
      "SELECT r.id, {} FROM records r CROSS JOIN sources s ON s.id = r.source_id "
      "WHERE r.id IN (SELECT record_id FROM record_customer WHERE customer_id = ?1 "
      "UNION ALL SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM record_customer WHERE record_id = ?1)) "
      "ORDER BY r.id",
      kRecordColumns));
  ResetOnExit reset(q);
  q.bind(1, c.id);
  while (q.executeStep()) {
    RecordRow row;
    row.row_id = q.getColumn(0).getInt64();
    read_record(q, 1, row.record);
    c.members.push_back(std::move(row));
  }
  // Rules 2 (email) and 6 (phone_other_name: the E.164 number whatever the names).
  auto& k = statement("SELECT rule, value FROM link_keys WHERE record_id = ?1 AND rule IN (2, 6)");
  for (auto& m : c.members) {
    ResetOnExit reset_k(k);
    k.bind(1, m.row_id);
    while (k.executeStep()) (k.getColumn(0).getInt() == 2 ? m.linked_email : m.linked_phone) = k.getColumn(1).getString();
  }
  auto& r = statement("SELECT rule, value, a, b FROM link_reasons WHERE customer_id = ?1 ORDER BY rowid");
  ResetOnExit reset_r(r);
  r.bind(1, c.id);
  while (r.executeStep())
    c.reasons.push_back(LinkReason{r.getColumn(0).getString(), r.getColumn(1).getString(),
                                   r.getColumn(2).getInt64(), r.getColumn(3).getInt64()});
  return {};
}

namespace {

// The records of customer `cid`: its members, or the record itself when it is on its own.
std::string members_of(const char* cid) {
  return fmt::format(
      "(SELECT record_id FROM record_customer WHERE customer_id = {0} "
      "UNION ALL SELECT {0} WHERE NOT EXISTS (SELECT 1 FROM record_customer WHERE record_id = {0}))",
      cid);
}

constexpr const char* kMemberCount = "coalesce((SELECT members FROM customers WHERE id = cid), 1)";

// Every customer the filters match, as rows of `cid` (no order, no keyset).
std::string matching_customers(const CustomerQuery& cq, bool text) {
  std::string base;
  if (text) {
    base = "SELECT DISTINCT coalesce(rc.customer_id, r.id) AS cid FROM records_fts f "
           "CROSS JOIN records r ON r.id = f.rowid LEFT JOIN record_customer rc ON rc.record_id = r.id "
           "WHERE records_fts MATCH :match AND r.deleted_ms IS NULL";
  } else if (cq.min_members > 1) {
    base = "SELECT c.id AS cid FROM customers c WHERE c.members >= :min";
  } else {
    base = fmt::format("SELECT r.id AS cid FROM records r WHERE {}", kHeadsCustomer);
  }
  std::string sql = fmt::format("SELECT cid FROM ({}) WHERE 1", base);
  if (cq.min_members > 1) sql += fmt::format(" AND {} >= :min", kMemberCount);
  if (cq.max_members > 0) sql += fmt::format(" AND {} <= :max", kMemberCount);
  if (!cq.source.empty()) sql += " AND " + in_source("cid");
  return sql;
}

// The name a customer is sorted by: its summary's (link/customer_summary.h) — the
// priority sources' first, then the most recent change — folded as search folds it
// (core/text_fold.h), so that "İlker" sorts with "Ilker" and "Łukasz" with "Lukas".
std::string name_key(const CustomerQuery& cq) {
  std::string rank = "0";
  if (!cq.name_priority.empty()) {
    rank = "CASE (SELECT name FROM sources WHERE id = n.source_id)";
    for (size_t i = 0; i < cq.name_priority.size(); ++i) rank += fmt::format(" WHEN :p{0} THEN {0}", i);
    rank += fmt::format(" ELSE {} END", cq.name_priority.size());
  }
  return fmt::format(
      "fold(coalesce((SELECT trim(n.name) FROM records n WHERE n.id IN {} AND n.deleted_ms IS NULL AND trim(n.name) != '' "
      "ORDER BY {}, n.remote_updated_ms DESC, n.changed_ms DESC, n.id LIMIT 1), ''))",
      members_of("cid"), rank);
}

std::string changed_key() {
  return fmt::format("(SELECT max(n.changed_ms) FROM records n WHERE n.id IN {})", members_of("cid"));
}

void bind_filters(SQLite::Statement& q, const CustomerQuery& cq, const std::string& match) {
  if (!match.empty()) q.bind(":match", match);
  if (cq.min_members > 1) q.bind(":min", cq.min_members);
  if (cq.max_members > 0) q.bind(":max", cq.max_members);
  if (!cq.source.empty()) q.bind(":source", cq.source);
}

}  // namespace

Result<std::vector<CustomerRow>> ApiQueries::customers(const CustomerQuery& cq) {
  std::string match;
  if (!cq.text.empty()) {
    match = fts_match_expression(cq.text);
    if (match.empty()) return std::vector<CustomerRow>{};
  }
  std::string sql;
  const bool first_page = cq.after_id == 0;
  if (cq.sort == CustomerSort::name) {
    sql = fmt::format("SELECT cid, k FROM (SELECT cid, {} AS k FROM ({}))", name_key(cq),
                      matching_customers(cq, !match.empty()));
    if (!first_page) sql += " WHERE (k > :ak OR (k = :ak AND cid > :after))";
    sql += " ORDER BY k, cid LIMIT :limit";
  } else if (cq.sort == CustomerSort::changed) {
    sql = fmt::format("SELECT cid, k FROM (SELECT cid, {} AS k FROM ({}))", changed_key(),
                      matching_customers(cq, !match.empty()));
    if (!first_page) sql += " WHERE (k < :ak OR (k = :ak AND cid > :after))";
    sql += " ORDER BY k DESC, cid LIMIT :limit";
  } else if (!match.empty()) {
    // The customers of the matching live records, in customer id order.
    sql = "SELECT DISTINCT cid FROM (SELECT coalesce(rc.customer_id, r.id) AS cid FROM records_fts f "
          "CROSS JOIN records r ON r.id = f.rowid LEFT JOIN record_customer rc ON rc.record_id = r.id "
          "WHERE records_fts MATCH :match AND r.deleted_ms IS NULL) WHERE cid > :after";
    if (cq.min_members > 1) sql += fmt::format(" AND {} >= :min", kMemberCount);
    if (cq.max_members > 0) sql += fmt::format(" AND {} <= :max", kMemberCount);
    if (!cq.source.empty()) sql += " AND " + in_source("cid");
    sql += " ORDER BY cid LIMIT :limit";
  } else if (cq.min_members > 1) {
    sql = "SELECT c.id FROM customers c WHERE c.id > :after AND c.members >= :min";
    if (cq.max_members > 0) sql += " AND c.members <= :max";
    if (!cq.source.empty()) sql += " AND " + in_source("c.id");
    sql += " ORDER BY c.id LIMIT :limit";
  } else {
    sql = fmt::format("SELECT r.id FROM records r WHERE r.id > :after AND {}", kHeadsCustomer);
    if (cq.max_members > 0)
      sql += " AND coalesce((SELECT members FROM customers WHERE id = r.id), 1) <= :max";
    if (!cq.source.empty()) sql += " AND " + in_source("r.id");
    sql += " ORDER BY r.id LIMIT :limit";
  }
  try {
    std::vector<CustomerRow> out;
    {
      auto& q = statement(sql);
      ResetOnExit reset(q);
      bind_filters(q, cq, match);
      if (cq.sort == CustomerSort::name)
        for (size_t i = 0; i < cq.name_priority.size(); ++i) q.bind(fmt::format(":p{}", i), cq.name_priority[i]);
      if (cq.sort == CustomerSort::id || !first_page) q.bind(":after", cq.after_id);
      if (cq.sort == CustomerSort::name && !first_page) q.bind(":ak", cq.after_name);
      if (cq.sort == CustomerSort::changed && !first_page) q.bind(":ak", cq.after_changed_ms);
      q.bind(":limit", cq.limit);
      while (q.executeStep()) {
        CustomerRow c;
        c.id = q.getColumn(0).getInt64();
        if (cq.sort == CustomerSort::name) c.sort_name = q.getColumn(1).getString();
        if (cq.sort == CustomerSort::changed) c.sort_changed_ms = q.getColumn(1).getInt64();
        out.push_back(std::move(c));
      }
    }
    for (auto& c : out)
      if (auto st = load_members(c); !st) return st.error();
    return out;
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: customers: {}", e.what()));
  }
}

Result<CustomerCounts> ApiQueries::customer_counts(const CustomerQuery& cq) {
  CustomerCounts out;
  std::string match;
  if (!cq.text.empty()) {
    match = fts_match_expression(cq.text);
    if (match.empty()) return out;
  }
  const std::string matching = matching_customers(cq, !match.empty());
  try {
    {
      auto& q = statement(fmt::format("SELECT count(*) FROM ({})", matching));
      ResetOnExit reset(q);
      bind_filters(q, cq, match);
      if (q.executeStep()) out.total = q.getColumn(0).getInt64();
    }
    {
      auto& q = statement(fmt::format("SELECT {} AS n, count(*) FROM ({}) GROUP BY n ORDER BY n", kMemberCount,
                                      matching));
      ResetOnExit reset(q);
      bind_filters(q, cq, match);
      while (q.executeStep()) out.by_members.emplace_back(q.getColumn(0).getInt(), q.getColumn(1).getInt64());
    }
    {
      auto& q = statement(fmt::format(
          "SELECT s.name, count(DISTINCT m.cid) FROM (SELECT coalesce(rc.customer_id, r.id) AS cid, r.source_id AS sid "
          "FROM records r LEFT JOIN record_customer rc ON rc.record_id = r.id WHERE r.deleted_ms IS NULL) m "
          "JOIN sources s ON s.id = m.sid WHERE m.cid IN ({}) GROUP BY s.name ORDER BY 2 DESC, 1",
          matching));
      ResetOnExit reset(q);
      bind_filters(q, cq, match);
      while (q.executeStep()) out.by_source.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getInt64());
    }
    return out;
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: customer counts: {}", e.what()));
  }
}

Result<std::optional<CustomerRow>> ApiQueries::customer(int64_t id) {
  try {
    CustomerRow c;
    c.id = id;
    if (auto st = load_members(c); !st) return st.error();
    // A record that is a member of another customer, or a deleted one, is no customer id.
    bool heads = false;
    for (const auto& m : c.members)
      if (m.row_id == id && m.record.customer_id == id) heads = true;
    if (!heads) return std::optional<CustomerRow>{};
    return std::optional<CustomerRow>(std::move(c));
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: customer: {}", e.what()));
  }
}

Result<std::vector<SuggestionRow>> ApiQueries::suggestions(int64_t after_a, int64_t after_b, int limit) {
  try {
    std::vector<std::tuple<int64_t, int64_t, std::string, std::string, int64_t>> pairs;
    {
      auto& q = statement(
          "SELECT g.a, g.b, g.rule, g.value, g.created_ms FROM suggestions g "
          "JOIN records ra ON ra.id = g.a JOIN records rb ON rb.id = g.b "
          "WHERE (g.a > ?1 OR (g.a = ?1 AND g.b > ?2)) "
          "AND ra.deleted_ms IS NULL AND rb.deleted_ms IS NULL "
          "AND coalesce((SELECT customer_id FROM record_customer WHERE record_id = g.a), g.a) != "
          "    coalesce((SELECT customer_id FROM record_customer WHERE record_id = g.b), g.b) "
          "AND NOT EXISTS (SELECT 1 FROM link_marks m WHERE m.a = g.a AND m.b = g.b AND m.removed_ms IS NULL) "
          "ORDER BY g.a, g.b LIMIT ?3");
      ResetOnExit reset(q);
      q.bind(1, after_a);
      q.bind(2, after_b);
      q.bind(3, limit);
      while (q.executeStep())
        pairs.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                           q.getColumn(3).getString(), q.getColumn(4).getInt64());
    }
    auto& r = statement(fmt::format(
        "SELECT r.id, {} FROM records r CROSS JOIN sources s ON s.id = r.source_id WHERE r.id = ?1",
        kRecordColumns));
    auto load = [&](int64_t id, RecordRow& row) {
      ResetOnExit reset(r);
      r.bind(1, id);
      if (r.executeStep()) {
        row.row_id = r.getColumn(0).getInt64();
        read_record(r, 1, row.record);
      }
    };
    std::vector<SuggestionRow> out;
    for (auto& [a, b, rule, value, created] : pairs) {
      SuggestionRow s;
      load(a, s.a);
      load(b, s.b);
      s.rule = std::move(rule);
      s.value = std::move(value);
      s.created = from_ms(created);
      out.push_back(std::move(s));
    }
    return out;
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: suggestions: {}", e.what()));
  }
}

Result<std::vector<MarkListing>> ApiQueries::marks(int64_t after_id, int limit) {
  try {
    auto& q = statement(
        "SELECT m.id, m.op, sa.name || ':' || ra.external_id, sb.name || ':' || rb.external_id, "
        "m.at_ms, m.by_user, m.note FROM link_marks m "
        "JOIN records ra ON ra.id = m.a JOIN sources sa ON sa.id = ra.source_id "
        "JOIN records rb ON rb.id = m.b JOIN sources sb ON sb.id = rb.source_id "
        "WHERE m.removed_ms IS NULL AND m.id > ?1 ORDER BY m.id LIMIT ?2");
    ResetOnExit reset(q);
    q.bind(1, after_id);
    q.bind(2, limit);
    std::vector<MarkListing> out;
    while (q.executeStep()) {
      MarkListing m;
      m.id = q.getColumn(0).getInt64();
      m.op = q.getColumn(1).getString();
      m.a = q.getColumn(2).getString();
      m.b = q.getColumn(3).getString();
      m.at = from_ms(q.getColumn(4).getInt64());
      m.by_user = q.getColumn(5).getString();
      m.note = q.getColumn(6).getString();
      out.push_back(std::move(m));
    }
    return out;
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: marks: {}", e.what()));
  }
}

}  // namespace crm
