// The minimal record's text fields by the names `fields:` uses (name, given_name, …), the
// display name every connector derives when a CRM gives only first and last name, and the
// record's deep link from the source's web_url template. Each connector's mapping
// repeated these; they sit on the per-record path, so they copy nothing they need not.
// Pure functions; thread-safe.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "core/json_writer.h"
#include "core/record.h"

namespace crm {

// Sets the field named `field` (name, given_name, family_name, email, phone, company,
// national_id, country) to value; false, and r unchanged, for any other name.
bool set_record_field(Record& r, std::string_view field, std::string value);
// The member `field` names, for a mapping resolved once rather than per record; nullptr
// for any name set_record_field refuses.
std::string Record::*record_field(std::string_view field);

// When r has no name: "given family", or whichever of the two is set.
void name_from_parts(Record& r);

// The key an extra_fields entry is stored under: the entry itself, or the first of a
// (key, where to read it) pair.
inline const std::string& extra_key(const std::string& entry) { return entry; }
inline const std::string& extra_key(const std::pair<std::string, std::string>& entry) { return entry.first; }

// r.extra as one JSON object, {"<key>": "<text>" or null, …}, for the entries of
// `extra`; read(entry, out) puts an entry's text into `out` and says whether it could:
// false or "" give null. r.extra stays empty for no entries.
template <class Entries, class Read>
void set_extra_fields(Record& r, const Entries& extra, Read read) {
  if (extra.empty()) return;
  JsonWriter w(r.extra);
  w.begin_object();
  std::string value;
  for (const auto& entry : extra) {
    w.key(extra_key(entry));
    if (read(entry, value) && !value.empty()) w.value(value);
    else w.null();
  }
  w.end_object();
}

// A web_url placeholder besides {id}, and what it stands for: {"{object}", "contact"}.
struct WebUrlValue {
  std::string_view placeholder;
  std::string_view value;
};

// `tmpl` with {id} (and its alias {external_id}) replaced by the url-encoded external id
// and each placeholder of `values` by its value, in one pass: a value is never expanded
// again. Other text in braces stays as written; "" gives "".
std::string expand_web_url(std::string_view tmpl, std::string_view id, std::initializer_list<WebUrlValue> values = {});

}  // namespace crm
