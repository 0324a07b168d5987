#include "cluster/record_state.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json_writer.h"
#include "core/text_codec.h"

namespace crm {
namespace {

constexpr int64_t kVersion = 1;

// The text fields, in the body and in Record, in one order.
struct TextField {
  const char* key;
  std::string Record::*member;
};
constexpr TextField kTextFields[] = {
    {"external_id", &Record::external_id}, {"name", &Record::name},       {"given_name", &Record::given_name},
    {"family_name", &Record::family_name}, {"email", &Record::email},     {"phone", &Record::phone},
    {"company", &Record::company},         {"national_id", &Record::national_id},
    {"country", &Record::country},         {"web_url", &Record::web_url}, {"extra", &Record::extra},
    {"merged_into", &Record::merged_into},
};

}  // namespace

std::string record_state_subject(std::string_view source, std::string_view external_id) {
  return fmt::format("crm-index.rec.{}.{}", source, base64url(external_id));
}

void append_record_state_json(std::string& out, const StoredRecord& sr) {
  const Record& r = sr.record;
  JsonWriter w(out);
  w.begin_object();
  w.field("v", kVersion);
  w.field("source", sr.source);
  w.field("crm_type", sr.crm_type);
  w.field("kind", to_string(r.kind));
  for (const TextField& f : kTextFields) w.field(f.key, r.*f.member);
  w.field("remote_updated_ms", static_cast<int64_t>(to_ms(r.remote_updated_at)));
  w.field("deleted", r.deleted);
  w.end_object();
}

Result<RecordState> parse_record_state(std::string_view body) {
  thread_local simdjson::dom::parser parser;  // reused: a parser allocates on its first document
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS || !doc.is_object())
    return Error::data("record state: not a JSON object");
  int64_t version = 0;
  if (doc["v"].get(version) != simdjson::SUCCESS || version != kVersion)
    return Error::data(fmt::format("record state: version {} is not {} (a newer crm-index published it?)", version,
                                      kVersion));
  RecordState out;
  std::string_view text;
  if (doc["source"].get(text) != simdjson::SUCCESS || text.empty()) return Error::data("record state: no source");
  out.source = text;
  if (doc["crm_type"].get(text) != simdjson::SUCCESS) return Error::data("record state: no crm_type");
  out.crm_type = text;
  if (doc["kind"].get(text) != simdjson::SUCCESS || !parse_record_kind(text, out.record.kind))
    return Error::data("record state: no valid kind");
  for (const TextField& f : kTextFields) {
    if (doc[f.key].get(text) != simdjson::SUCCESS) return Error::data(fmt::format("record state: no {}", f.key));
    out.record.*f.member = text;
  }
  if (out.record.external_id.empty()) return Error::data("record state: empty external_id");
  int64_t ms = 0;
  if (doc["remote_updated_ms"].get(ms) != simdjson::SUCCESS) return Error::data("record state: no remote_updated_ms");
  out.record.remote_updated_at = from_ms(ms);
  if (doc["deleted"].get(out.record.deleted) != simdjson::SUCCESS) return Error::data("record state: no deleted");
  return out;
}

}  // namespace crm
