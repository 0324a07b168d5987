#include "fake/control_api.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>

#include "core/json_writer.h"
#include "fake/webhook_config.h"

namespace crm::fake {
namespace {

ServerResponse error(int status, std::string_view code, std::string_view message) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("error").begin_object();
  w.field("code", code).field("message", message);
  w.end_object().end_object();
  return ServerResponse::json(status, std::move(out));
}

ServerResponse method_not_allowed(std::string_view allow) {
  auto r = error(405, "method_not_allowed", fmt::format("allowed: {}", allow));
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

std::optional<uint64_t> parse_id(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// The body as a JSON object; an empty body is {}.
Result<simdjson::dom::object> parse_object(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::object obj;
  std::string_view text = body;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) text = "{}";
  // This overload copies the text into padded memory owned by the parser.
  if (parser.parse(text.data(), text.size()).get(obj)) return Error::data("body is not a JSON object");
  return obj;
}

Result<RecordPatch> parse_patch(simdjson::dom::object obj) {
  RecordPatch p;
  for (auto field : obj) {
    std::string_view key = field.key;
    std::optional<std::string>* target = nullptr;
    if (key == "full_name")
      target = &p.full_name;
    else if (key == "first_name")
      target = &p.first_name;
    else if (key == "last_name")
      target = &p.last_name;
    else if (key == "email")
      target = &p.email;
    else if (key == "phone")
      target = &p.phone;
    else if (key == "company")
      target = &p.company;
    std::string_view text;
    if (key == "type") {
      if (field.value.get(text) || (text != "person" && text != "company"))
        return Error::data("type: must be \"person\" or \"company\"");
      p.is_company = text == "company";
    } else if (!target) {
      return Error::data(fmt::format("unknown field '{}'", key));
    } else if (field.value.is_null()) {
      *target = std::string();
    } else if (!field.value.get(text)) {
      *target = std::string(text);
    } else {
      return Error::data(fmt::format("{}: must be a string or null", key));
    }
  }
  return p;
}

}  // namespace

ControlApi::ControlApi(Dataset& data, FaultQueue& faults, Stats& stats, TokenIssuer& tokens,
                       ChangeTracking& tracking, WebhookSender& webhooks, std::function<void()> on_reset)
    : data_(data), faults_(faults), stats_(stats), tokens_(tokens), tracking_(tracking), webhooks_(webhooks),
      on_reset_(std::move(on_reset)) {}

void ControlApi::append_truth(std::string& out, const FakeRecord& r) {
  JsonWriter w(out);
  w.begin_object();
  w.field("id", fmt::format("{}", r.id));
  w.field("kind", r.company ? "company" : "person");
  w.field("name", r.full_name);
  w.key("given_name").string_or_null(r.first_name);
  w.key("family_name").string_or_null(r.last_name);
  w.key("email").string_or_null(r.email);
  w.key("phone").string_or_null(r.phone);
  w.key("company").string_or_null(r.company ? std::string_view() : std::string_view(r.company_name));
  w.field("updated_at", format_iso8601_seconds(from_ms(r.modified_ms)));
  w.end_object();
}

ServerResponse ControlApi::handle(const ServerRequest& req) const {
  std::string_view path = req.path;
  path.remove_prefix(kControlPrefix.size());
  const std::string& m = req.method;
  bool get = m == "GET" || m == "HEAD";
  if (path == "truth") return get ? truth() : method_not_allowed("GET, HEAD");
  if (path == "stats") return get ? stats() : method_not_allowed("GET, HEAD");
  if (path == "records" || path.starts_with("records/")) return records(req, path.substr(7));
  if (path == "mutate") return m == "POST" ? mutate(req) : method_not_allowed("POST");
  if (path == "faults") return faults(req);
  if (path == "webhook") return webhook(req);
  if (path == "merge") {
    // {"loser": id, "survivor": id}: the loser is deleted with merged_into, as CRMs merge.
    if (m != "POST") return method_not_allowed("POST");
    simdjson::dom::parser parser;
    auto obj = parse_object(parser, req.body);
    uint64_t loser = 0, survivor = 0;
    if (!obj || (*obj)["loser"].get(loser) || (*obj)["survivor"].get(survivor))
      return error(400, "bad_request", "expected {\"loser\": id, \"survivor\": id}");
    if (!data_.merge(loser, survivor)) return error(404, "not_found", "both records must be live and differ");
    return ServerResponse::json(200, fmt::format(R"({{"merged":{},"into":{}}})", loser, survivor));
  }
  if (path.starts_with("tokens/")) {
    // OAuth for the vendor dialects: expire every token (one refresh must follow), revoke
    // the credentials (the refresh fails too), or restore them.
    if (m != "POST") return method_not_allowed("POST");
    std::string_view what = path.substr(7);
    if (what == "expire") tokens_.expire_all();
    else if (what == "revoke") tokens_.revoke();
    else if (what == "restore") tokens_.restore();
    else return error(404, "not_found", fmt::format("no control route {}", req.path));
    return ServerResponse::json(200, fmt::format(R"({{"tokens":"{}","issued":{}}})", what, tokens_.issued()));
  }
  if (path == "deltatokens/expire") {
    // Dataverse change tracking: every delta token issued so far is refused from now on.
    if (m != "POST") return method_not_allowed("POST");
    tracking_.expire_all();
    return ServerResponse::json(200, R"({"deltatokens":"expired"})");
  }
  if (path == "reset") {
    if (m != "POST") return method_not_allowed("POST");
    on_reset_();
    return ServerResponse::json(200, R"({"reset":true})");
  }
  return error(404, "not_found", fmt::format("no control route {}", req.path));
}

ServerResponse ControlApi::truth() const {
  auto resp = ServerResponse::json(200, "");
  resp.headers.clear();
  resp.headers.emplace_back("Content-Type", "application/x-ndjson; charset=utf-8");
  // Chunks of records in id order, each read under the dataset's lock, so a 1M dump
  // never sits in memory whole.
  resp.stream = [data = &data_, after = uint64_t{0}](std::string& out) mutable {
    auto chunk = data->by_id(after, 2000);
    if (chunk.empty()) return false;
    for (const FakeRecord& r : chunk) {
      append_truth(out, r);
      out += '\n';
    }
    after = chunk.back().id;
    return true;
  };
  return resp;
}

ServerResponse ControlApi::stats() const {
  return ServerResponse::json(200, stats_.json(data_.live_count(), data_.max_id(), faults_.pending().size()));
}

ServerResponse ControlApi::records(const ServerRequest& req, std::string_view rest) const {
  simdjson::dom::parser parser;
  if (rest.empty()) {  // the collection
    if (req.method != "POST") return method_not_allowed("POST");
    auto obj = parse_object(parser, req.body);
    if (!obj) return error(400, "bad_request", obj.error().message);
    auto patch = parse_patch(*obj);
    if (!patch) return error(400, "bad_request", patch.error().message);
    uint64_t id = data_.create(*patch);
    return ServerResponse::json(201, fmt::format(R"({{"id":"{}"}})", id));
  }
  auto id = parse_id(rest.substr(1));
  if (!id) return error(404, "not_found", fmt::format("no record {}", rest.substr(1)));
  const std::string& m = req.method;
  if (m == "GET" || m == "HEAD") {
    auto r = data_.get(*id);
    if (!r) return error(404, "not_found", fmt::format("no record {}", *id));
    std::string out;
    append_truth(out, *r);
    return ServerResponse::json(200, std::move(out));
  }
  if (m == "PATCH") {
    auto obj = parse_object(parser, req.body);
    if (!obj) return error(400, "bad_request", obj.error().message);
    auto patch = parse_patch(*obj);
    if (!patch) return error(400, "bad_request", patch.error().message);
    if (!data_.update(*id, *patch)) return error(404, "not_found", fmt::format("no record {}", *id));
    return ServerResponse::json(200, fmt::format(R"({{"id":"{}"}})", *id));
  }
  if (m == "DELETE") {
    if (!data_.remove(*id)) return error(404, "not_found", fmt::format("no record {}", *id));
    return ServerResponse::json(200, fmt::format(R"({{"id":"{}","deleted":true}})", *id));
  }
  return method_not_allowed("GET, HEAD, PATCH, DELETE");
}

ServerResponse ControlApi::mutate(const ServerRequest& req) const {
  simdjson::dom::parser parser;
  auto obj = parse_object(parser, req.body);
  if (!obj) return error(400, "bad_request", obj.error().message);
  MutateRequest mr;
  for (auto field : *obj) {
    std::string_view key = field.key;
    uint64_t* target = key == "update"   ? &mr.update
                       : key == "delete" ? &mr.remove
                       : key == "create" ? &mr.create
                       : key == "touch"  ? &mr.touch
                       : key == "seed"   ? &mr.seed
                                         : nullptr;
    if (!target) return error(400, "bad_request", fmt::format("unknown field '{}'", key));
    int64_t v = 0;
    if (field.value.get(v) || v < 0 || (key != "seed" && v > 1000000))
      return error(400, "bad_request", fmt::format("{}: must be an integer 0..1000000", key));
    *target = static_cast<uint64_t>(v);
  }
  MutateResult res = data_.mutate(mr);
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  auto ids = [&](std::string_view name, const std::vector<uint64_t>& v) {
    w.key(name).begin_array();
    for (uint64_t id : v) w.value(fmt::format("{}", id));
    w.end_array();
  };
  ids("updated", res.updated);
  ids("deleted", res.deleted);
  ids("created", res.created);
  ids("touched", res.touched);
  w.end_object();
  return ServerResponse::json(200, std::move(out));
}

ServerResponse ControlApi::faults(const ServerRequest& req) const {
  const std::string& m = req.method;
  if (m == "GET" || m == "HEAD") {
    std::string out = "[";
    for (const Fault& f : faults_.pending()) {
      if (out.size() > 1) out += ',';
      out += fault_json(f);
    }
    out += ']';
    return ServerResponse::json(200, std::move(out));
  }
  if (m == "DELETE") {
    faults_.clear();
    return ServerResponse::json(200, R"({"cleared":true})");
  }
  if (m != "POST") return method_not_allowed("GET, HEAD, POST, DELETE");
  auto f = parse_fault(req.body);
  if (!f) return error(400, "bad_request", f.error().message);
  std::string out = fault_json(*f);
  faults_.push(std::move(*f));
  return ServerResponse::json(201, std::move(out));
}

// The webhook the fake sends on every change (README.md "Webhooks"): POST configures it
// (replacing any earlier one), DELETE stops it, GET reads the counters.
ServerResponse ControlApi::webhook(const ServerRequest& req) const {
  const std::string& m = req.method;
  if (m == "GET" || m == "HEAD") return ServerResponse::json(200, webhooks_.status_json());
  if (m == "DELETE") {
    webhooks_.stop();
    return ServerResponse::json(200, webhooks_.status_json());
  }
  if (m != "POST") return method_not_allowed("GET, HEAD, POST, DELETE");
  auto config = parse_webhook_config(req.body);
  if (!config) return error(400, "bad_request", config.error().message);
  webhooks_.configure(std::move(*config));
  return ServerResponse::json(200, webhooks_.status_json());
}

}  // namespace crm::fake
