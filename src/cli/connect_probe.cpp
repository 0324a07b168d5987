#include "cli/connect_probe.h"

#include <fmt/format.h>

#include "sync/sync_run.h"

namespace crm {
namespace {

std::string probe_count_text(size_t n) { return fmt::format("{} record{}", n, n == 1 ? "" : "s"); }

// "(ok)" or "failed: …"; true unless the probe failed.
bool print_probe_result(std::ostream& out, const std::string& line, const Error* error) {
  if (!error) {
    out << line << " (ok)\n";
  } else if (error->kind == ErrorKind::skipped) {
    out << line << "skipped: " << error->message << '\n';
  } else {
    out << line << "failed: " << error->message << '\n';
  }
  out.flush();
  return !error || error->kind == ErrorKind::skipped;
}

bool probe_page(const std::string& source, Connector& connector, const Cursor& cursor, const std::string& what,
                const Redactor& redactor, std::ostream& out) {
  const std::string head = fmt::format("{}: {}: ", source, what);
  auto page = connector.next_page(cursor);
  if (!page) return print_probe_result(out, head, &page.error());
  if (page->needs_full_pass) {
    out << head << "needs a full pass first: " << *page->needs_full_pass << " (ok)\n";
    out.flush();
    return true;
  }
  std::string line = head + probe_count_text(page->records.size() + page->deletions.size());
  if (page->skipped > 0) line += fmt::format(", {} skipped", page->skipped);
  if (!page->skip_reasons.empty()) line += fmt::format(" (first: {})", redactor.outside_text(page->skip_reasons.front()));
  return print_probe_result(out, line, nullptr);
}

}  // namespace

TimePoint probe_since(const std::optional<TimePoint>& watermark, Millis overlap, TimePoint now) {
  if (watermark) return incremental_since(*watermark, overlap);
  return now - std::chrono::hours(24);
}

bool probe_connector(const std::string& source, Connector& connector, const ProbeStart& start,
                     const Redactor& redactor, std::ostream& out) {
  Cursor full;
  full.mode = SyncMode::full;
  full.state = start.state;
  bool ok = probe_page(source, connector, full, "full page", redactor, out);

  Cursor incremental;
  incremental.mode = SyncMode::incremental;
  incremental.since = start.since;
  incremental.state = start.state;
  const std::string since = format_iso8601(start.since);
  ok = probe_page(source, connector, incremental, "incremental page since " + since, redactor, out) && ok;

  if (connector.has_deleted_since()) {
    const std::string head = fmt::format("{}: deletions since {}: ", source, since);
    auto deletions = connector.deleted_since(start.since);
    if (!deletions) return print_probe_result(out, head, &deletions.error()) && ok;
    ok = print_probe_result(out, head + probe_count_text(deletions->size()), nullptr) && ok;
  }
  return ok;
}

}  // namespace crm
