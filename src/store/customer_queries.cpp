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
  auto& r = statement("SELECT rule, value, a, b FROM link_reasons WHERE customer_id = ?1 ORDER BY rowid");
  ResetOnExit reset_r(r);
  r.bind(1, c.id);
  while (r.executeStep())
    c.reasons.push_back(LinkReason{r.getColumn(0).getString(), r.getColumn(1).getString(),
                                   r.getColumn(2).getInt64(), r.getColumn(3).getInt64()});
  return {};
}

Result<std::vector<CustomerRow>> ApiQueries::customers(const CustomerQuery& cq) {
  std::string match;
  if (!cq.text.empty()) {
    match = fts_match_expression(cq.text);
    if (match.empty()) return std::vector<CustomerRow>{};
  }
  std::string sql;
  if (!match.empty()) {
    // The customers of the matching live records, in customer id order.
    sql = "SELECT DISTINCT cid FROM (SELECT coalesce(rc.customer_id, r.id) AS cid FROM records_fts f "
          "CROSS JOIN records r ON r.id = f.rowid LEFT JOIN record_customer rc ON rc.record_id = r.id "
          "WHERE records_fts MATCH :match AND r.deleted_ms IS NULL) WHERE cid > :after";
    if (cq.min_members > 1)
      sql += " AND (SELECT members FROM customers WHERE id = cid) >= :min";
    if (!cq.source.empty()) sql += " AND " + in_source("cid");
    sql += " ORDER BY cid LIMIT :limit";
  } else if (cq.min_members > 1) {
    sql = "SELECT c.id FROM customers c WHERE c.id > :after AND c.members >= :min";
    if (!cq.source.empty()) sql += " AND " + in_source("c.id");
    sql += " ORDER BY c.id LIMIT :limit";
  } else {
    sql = fmt::format("SELECT r.id FROM records r WHERE r.id > :after AND {}", kHeadsCustomer);
    if (!cq.source.empty()) sql += " AND " + in_source("r.id");
    sql += " ORDER BY r.id LIMIT :limit";
  }
  try {
    std::vector<CustomerRow> out;
    {
      auto& q = statement(sql);
      ResetOnExit reset(q);
      if (!match.empty()) q.bind(":match", match);
      q.bind(":after", cq.after_id);
      if (cq.min_members > 1) q.bind(":min", cq.min_members);
      if (!cq.source.empty()) q.bind(":source", cq.source);
      q.bind(":limit", cq.limit);
      while (q.executeStep()) {
        CustomerRow c;
        c.id = q.getColumn(0).getInt64();
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
          "AND NOT EXISTS (SELECT 1 FROM link_marks m WHERE m.a = g.a AND m.b = g.b) "
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

Result<std::vector<MarkListing>> ApiQueries::marks() {
  try {
    auto& q = statement(
        "SELECT m.id, m.op, sa.name || ':' || ra.external_id, sb.name || ':' || rb.external_id, "
        "m.at_ms, m.by_user, m.note FROM link_marks m "
        "JOIN records ra ON ra.id = m.a JOIN sources sa ON sa.id = ra.source_id "
        "JOIN records rb ON rb.id = m.b JOIN sources sb ON sb.id = rb.source_id ORDER BY m.id");
    ResetOnExit reset(q);
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
