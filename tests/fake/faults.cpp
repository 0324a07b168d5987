#include "fake/faults.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>

#include "core/json_writer.h"

namespace crm::fake {

const char* to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::status: return "status";
    case FaultKind::slow: return "slow";
    case FaultKind::truncate: return "truncate";
    case FaultKind::cut: return "cut";
    case FaultKind::drop: return "drop";
    case FaultKind::mutate_after: return "mutate_after";
    case FaultKind::invalid_utf8: return "invalid_utf8";
    case FaultKind::html: return "html";
    case FaultKind::duplicate: return "duplicate";
    case FaultKind::empty: return "empty";
    case FaultKind::echo: return "echo";
    case FaultKind::gzip_bomb: return "gzip_bomb";
  }
  return "?";
}

namespace {

std::optional<FaultKind> kind_from(std::string_view s) {
  for (auto k : {FaultKind::status, FaultKind::slow, FaultKind::truncate, FaultKind::cut, FaultKind::drop,
                 FaultKind::mutate_after, FaultKind::invalid_utf8, FaultKind::html, FaultKind::duplicate,
                 FaultKind::empty, FaultKind::echo, FaultKind::gzip_bomb})
    if (s == to_string(k)) return k;
  return std::nullopt;
}

// A non-negative integer field (number or numeric string); absent leaves `out` alone.
bool read_uint(simdjson::dom::object obj, const char* key, uint64_t& out) {
  simdjson::dom::element e;
  if (obj[key].get(e)) return true;
  uint64_t u = 0;
  int64_t i = 0;
  std::string_view text;
  if (!e.get(u)) {
    out = u;
  } else if (!e.get(i) && i >= 0) {
    out = static_cast<uint64_t>(i);
  } else if (!e.get(text) && !text.empty() &&
             std::from_chars(text.data(), text.data() + text.size(), u).ptr == text.data() + text.size()) {
    out = u;
  } else {
    return false;
  }
  return true;
}

// A string field; numbers are accepted and written as text (retry_after: 1).
bool read_text(simdjson::dom::object obj, const char* key, std::optional<std::string>& out) {
  simdjson::dom::element e;
  if (obj[key].get(e) || e.is_null()) return true;
  std::string_view text;
  if (!e.get(text)) {
    out = std::string(text);
    return true;
  }
  if (e.is_number()) {
    out = simdjson::minify(e);
    return true;
  }
  return false;
}

}  // namespace

Result<Fault> parse_fault(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::object obj;
  if (parser.parse(padded).get(obj)) return Error::data("fault: body is not a JSON object");
  Fault f;
  std::string_view kind;
  if (obj["kind"].get(kind)) return Error::data("fault: \"kind\" (a string) is required");
  auto k = kind_from(kind);
  if (!k) return Error::data(fmt::format("fault: unknown kind '{}'", kind));
  f.kind = *k;
  uint64_t status = static_cast<uint64_t>(f.status), delay = static_cast<uint64_t>(f.delay_ms);
  if (!read_uint(obj, "status", status) || status < 100 || status > 599)
    return Error::data("fault: \"status\" must be an HTTP status (100-599)");
  f.status = static_cast<int>(status);
  if (!read_uint(obj, "delay_ms", delay) || delay > 600000)
    return Error::data("fault: \"delay_ms\" must be 0..600000");
  f.delay_ms = static_cast<int64_t>(delay);
  if (!read_uint(obj, "count", f.count) || f.count == 0)
    return Error::data("fault: \"count\" must be a positive integer");
  if (!read_uint(obj, "skip", f.skip)) return Error::data("fault: \"skip\" must be >= 0");
  if (!read_uint(obj, "update", f.update)) return Error::data("fault: \"update\" must be >= 0");
  if (!read_uint(obj, "inflate_mb", f.inflate_mb) || f.inflate_mb == 0 || f.inflate_mb > 16384)
    return Error::data("fault: \"inflate_mb\" must be 1..16384");
  if (!read_text(obj, "retry_after", f.retry_after) || !read_text(obj, "body", f.body) ||
      !read_text(obj, "content_type", f.content_type))
    return Error::data("fault: \"retry_after\", \"body\" and \"content_type\" must be strings");
  return f;
}

std::string fault_json(const Fault& f) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("kind", to_string(f.kind));
  w.key("status").value(static_cast<int64_t>(f.status));
  w.key("retry_after");
  f.retry_after ? w.value(*f.retry_after) : w.null();
  w.key("body");
  f.body ? w.value(*f.body) : w.null();
  w.key("delay_ms").value(f.delay_ms);
  w.key("count").value(static_cast<int64_t>(f.count));
  w.key("skip").value(static_cast<int64_t>(f.skip));
  w.key("update").value(static_cast<int64_t>(f.update));
  w.key("inflate_mb").value(static_cast<int64_t>(f.inflate_mb));
  w.end_object();
  return out;
}

void FaultQueue::push(Fault f) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(f));
}

void FaultQueue::clear() {
  std::lock_guard lock(mu_);
  queue_.clear();
}

std::vector<Fault> FaultQueue::pending() const {
  std::lock_guard lock(mu_);
  return {queue_.begin(), queue_.end()};
}

std::optional<Fault> FaultQueue::next_for_request(bool list_request) {
  std::lock_guard lock(mu_);
  if (queue_.empty()) return std::nullopt;
  Fault& head = queue_.front();
  if (!list_request && head.kind != FaultKind::echo) return std::nullopt;
  if (head.skip > 0) {
    --head.skip;
    return std::nullopt;
  }
  Fault hit = head;
  if (--head.count == 0) queue_.pop_front();
  return hit;
}

bool FaultQueue::sleep_for(Millis d) {
  std::unique_lock lock(mu_);
  return !wake_.wait_for(lock, d, [&] { return shutting_down_; });
}

void FaultQueue::shutdown() {
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
  }
  wake_.notify_all();
}

}  // namespace crm::fake
