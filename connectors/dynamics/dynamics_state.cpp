#include "connectors/dynamics/dynamics_state.h"

#include "core/json_writer.h"

namespace crm {

std::string encode_dynamics_state(const DynamicsState& state) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("v", int64_t{1}).key("objects").begin_object();
  for (const auto& [set, o] : state.objects) {
    w.key(set).begin_object().field("select", o.select).field("delta", o.delta).end_object();
  }
  w.end_object().end_object();
  return out;
}

std::optional<DynamicsState> decode_dynamics_state(std::string_view text, simdjson::dom::parser& parser) {
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  int64_t version = 0;
  simdjson::dom::object objects;
  if (parser.parse(padded).get(root) || root["v"].get_int64().get(version) || version != 1 ||
      root["objects"].get_object().get(objects))
    return std::nullopt;
  DynamicsState state;
  for (auto field : objects) {
    std::string_view select, delta;
    if (field.value["select"].get_string().get(select) || field.value["delta"].get_string().get(delta))
      return std::nullopt;
    state.objects[std::string(field.key)] = {std::string(select), std::string(delta)};
  }
  return state;
}

}  // namespace crm
