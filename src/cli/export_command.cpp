// `crm-index export`: the index as JSON Lines or CSV on stdout.
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "daemon/config_loading.h"
#include "core/json_writer.h"
#include "store/index_reader.h"
#include "store/record_json.h"

namespace crm {
namespace {

// RFC 4180: quote when needed, double the quotes; UTF-8 passes through untouched.
void csv_field(std::string& out, std::string_view v) {
  bool quote = v.find_first_of(",\"\r\n") != std::string_view::npos ||
               (!v.empty() && (v.front() == ' ' || v.back() == ' '));
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void csv_row(std::string& out, const StoredRecord& sr) {
  const Record& r = sr.record;
  std::string updated = to_ms(r.remote_updated_at) == 0 ? "" : format_iso8601(r.remote_updated_at);
  std::string deleted = sr.deleted_at ? format_iso8601(*sr.deleted_at) : "";
  std::string first_seen = format_iso8601(sr.first_seen), changed = format_iso8601(sr.changed_at);
  std::string customer = sr.customer_id ? format_customer_id(*sr.customer_id) : "";
  std::string_view fields[] = {sr.source, r.external_id, sr.crm_type, to_string(r.kind), r.name,
                               r.given_name, r.family_name, r.email, r.phone, r.company,
                               r.national_id, updated, r.web_url, r.extra, first_seen, changed,
                               deleted, r.merged_into, customer};
  bool first = true;
  for (auto f : fields) {
    if (!first) out += ',';
    first = false;
    csv_field(out, f);
  }
  out += "\r\n";
}

}  // namespace

int run_export(const ExportArgs& args) {
  if (args.format != "jsonl" && args.format != "csv") {
    std::fprintf(stderr, "crm-index export: --format must be jsonl or csv, not '%s'\n", args.format.c_str());
    return 2;
  }
  auto config = load_config_or_report(args.config);
  if (!config) return 2;
  // A replica's sources are those the record stream brought, not the config's.
  const bool replica = config->cluster && config->cluster->role == ClusterRole::replica;
  if (!args.source.empty() && !replica && !config->find_source(args.source)) {
    std::fprintf(stderr, "%s: no source named '%s'\n", args.config.c_str(), args.source.c_str());
    return 2;
  }
  auto reader = IndexReader::open(config->database);
  if (!reader) {
    std::fprintf(stderr, "crm-index: %s\n", reader.error().message.c_str());
    return 1;
  }
  std::string buf;
  buf.reserve(1 << 20);
  bool csv = args.format == "csv";
  if (csv)
    buf += "source,external_id,crm_type,kind,name,given_name,family_name,email,phone,company,"
           "national_id,remote_updated_at,web_url,extra,first_seen,changed_at,deleted_at,merged_into,customer_id\r\n";
  bool write_failed = false;
  auto flush = [&] {
    if (!buf.empty() && std::fwrite(buf.data(), 1, buf.size(), stdout) != buf.size()) write_failed = true;
    buf.clear();
  };
  auto st = (*reader)->for_each_record({args.source, args.include_deleted}, [&](const StoredRecord& sr) {
    if (csv) csv_row(buf, sr);
    else {
      append_record_json(buf, sr);
      buf += '\n';
    }
    if (buf.size() > (1 << 20) - 4096) flush();
    return !write_failed;
  });
  flush();
  if (std::fflush(stdout) != 0) write_failed = true;
  if (!st) {
    std::fprintf(stderr, "crm-index: %s\n", st.error().message.c_str());
    return 1;
  }
  if (write_failed) {
    std::fprintf(stderr, "crm-index export: cannot write to standard output\n");
    return 1;
  }
  return 0;
}

}  // namespace crm
