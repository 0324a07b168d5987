// JsonWriter: appends JSON to a string without intermediate objects (the export and the
// API write many records; this keeps that path allocation-light). Strings are escaped
// per RFC 8259; invalid UTF-8 bytes are replaced by U+FFFD so output is always valid.
// Not thread-safe; one per output buffer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crm {

// Appends s as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}
  JsonWriter& begin_object() { sep(); out_ += '{'; first_ = true; return *this; }
  JsonWriter& end_object() { out_ += '}'; first_ = false; return *this; }
  JsonWriter& begin_array() { sep(); out_ += '['; first_ = true; return *this; }
  JsonWriter& end_array() { out_ += ']'; first_ = false; return *this; }
  JsonWriter& key(std::string_view k) {
    sep();
    append_json_string(out_, k);
    out_ += ':';
    first_ = true;  // the value follows without a comma
    return *this;
  }
  JsonWriter& value(std::string_view s) { sep(); append_json_string(out_, s); return *this; }
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(int64_t v);
  JsonWriter& value(bool v) { sep(); out_ += v ? "true" : "false"; return *this; }
  JsonWriter& null() { sep(); out_ += "null"; return *this; }
  // "" becomes null: the index stores "" for "the CRM has no value".
  JsonWriter& string_or_null(std::string_view s) { return s.empty() ? null() : value(s); }
  // Appends already-serialised JSON verbatim.
  JsonWriter& raw(std::string_view json) { sep(); out_ += json; return *this; }

  template <class T>
  JsonWriter& field(std::string_view k, const T& v) { key(k); return value(v); }

 private:
  void sep() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace crm
