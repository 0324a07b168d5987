#include "connectors/live_fields.h"

#include "core/json_writer.h"

namespace crm {

std::string live_fields_json(simdjson::dom::object object, const std::vector<std::string>* fields) {
  std::string out;
  if (fields == nullptr || fields->empty()) return "{}";
  out += '{';
  bool first = true;
  for (const auto& field : *fields) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, field);
    out += ':';
    simdjson::dom::element value;
    auto error = field.starts_with('/') ? object.at_pointer(field).get(value)
                                        : object.at_key(field).get(value);
    if (error) {
      out += "null";
      continue;
    }
    std::string json = simdjson::minify(value);
    if (json.size() > kMaxLiveValueBytes) out += "null";
    else out += json;
  }
  out += '}';
  return out;
}

}  // namespace crm
