#include "cluster/mark_stream.h"

#include <fmt/format.h>
#include <nats/nats.h>
#include <simdjson.h>

#include "core/json_writer.h"
#include "core/log.h"

namespace crm {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kMarkNextWaitMs = 200;
constexpr Millis kApplyWait = 10s;  // an API request waits this long for its mark to be applied here
constexpr size_t kResultsKept = 1024;

void append_ref(JsonWriter& w, const char* key, const RecordRef& ref) {
  w.key(key).begin_object();
  w.field("source", ref.source);
  w.field("external_id", ref.external_id);
  w.end_object();
}

std::string mark_message(const char* op, const RecordRef& a, const RecordRef& b, const MarkRequest* add,
                         const std::string& by_user) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("v", int64_t{1});
  w.field("op", op);
  append_ref(w, "a", a);
  append_ref(w, "b", b);
  if (add) {
    w.field("verdict", add->op == MarkOp::link ? "link" : "unlink");
    w.field("note", add->note);
  }
  w.field("by", by_user);
  w.end_object();
  return out;
}

bool read_ref(simdjson::dom::element doc, const char* key, RecordRef& out) {
  std::string_view source, id;
  if (doc[key]["source"].get(source) != simdjson::SUCCESS || doc[key]["external_id"].get(id) != simdjson::SUCCESS)
    return false;
  out = {std::string(source), std::string(id)};
  return true;
}

}  // namespace

MarkStream::MarkStream(const Config& config, SourceRunner& runner, IndexWriter& writer, std::timed_mutex& writer_mutex,
                       std::function<bool()> records_ready)
    : cluster_(*config.cluster), runner_(runner), writer_(writer), writer_mutex_(writer_mutex),
      records_ready_(std::move(records_ready)),
      follower_client_(std::make_unique<NatsClient>(cluster_.servers, cluster_.auth)),
      publisher_client_(std::make_unique<NatsClient>(cluster_.servers, cluster_.auth)),
      config_(std::make_shared<const Config>(config)) {
  stream_.name = kMarksStream;
  stream_.subjects = {kMarksSubject};
  stream_.replicas = cluster_.replicas();
}

MarkStream::~MarkStream() { stop(); }

void MarkStream::start() { thread_ = std::thread([this] { run(); }); }

void MarkStream::stop() {
  stop_ = true;
  applied_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  follower_client_->close();
  std::lock_guard lock(publish_mu_);
  publisher_client_->close();
}

void MarkStream::apply(const Config& config) {
  std::lock_guard lock(mu_);
  config_ = std::make_shared<const Config>(config);
}

std::shared_ptr<const Config> MarkStream::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

Result<int64_t> MarkStream::add(const MarkRequest& request) {
  return publish_and_wait(mark_message("add", request.a, request.b, &request, request.by_user));
}

Status MarkStream::remove(int64_t mark_id, const std::string& by_user) {
  auto records = runner_.mark_records(mark_id, *config());
  if (!records) return records.error();
  auto done = publish_and_wait(mark_message("remove", records->first, records->second, nullptr, by_user));
  if (!done) return done.error();
  return {};
}

Result<int64_t> MarkStream::publish_and_wait(const std::string& body) {
  uint64_t seq = 0;
  {
    std::lock_guard lock(publish_mu_);
    if (auto st = publisher_client_->ensure_stream(stream_); !st) return st.error();
    jsPubAck* ack = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_Publish(&ack, publisher_client_->js(), kMarksSubject, body.data(), static_cast<int>(body.size()),
                              nullptr, &jerr);
    if (s != NATS_OK) return Error::transient(nats_error(std::string("publish to ") + kMarksStream, s, jerr));
    seq = ack->Sequence;
    jsPubAck_Destroy(ack);
  }
  std::unique_lock lock(mu_);
  if (!applied_cv_.wait_for(lock, kApplyWait, [&] { return stop_ || applied_ >= seq; }) || stop_)
    return Error::transient(fmt::format("the mark is in {} (message {}) but not yet applied here; it will be",
                                        kMarksStream, seq));
  auto it = results_.find(seq);
  if (it == results_.end()) return Error::transient(fmt::format("the result of {} message {} is gone", kMarksStream, seq));
  return it->second;
}

Result<int64_t> MarkStream::apply_message(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  std::string_view op;
  MarkRequest r;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS || doc["op"].get(op) != simdjson::SUCCESS ||
      !read_ref(doc, "a", r.a) || !read_ref(doc, "b", r.b))
    return Error::data("not a mark message");
  std::string_view by;
  if (doc["by"].get(by) == simdjson::SUCCESS) r.by_user = by;
  const auto config = this->config();
  if (op == "add") {
    std::string_view verdict, note;
    if (doc["verdict"].get(verdict) != simdjson::SUCCESS) return Error::data("a mark message without a verdict");
    if (doc["note"].get(note) == simdjson::SUCCESS) r.note = note;
    r.op = verdict == "unlink" ? MarkOp::unlink : MarkOp::link;
    return runner_.mark(r, *config);
  }
  if (op == "remove") {
    auto id = runner_.mark_on(r.a, r.b, *config);
    if (!id) return id.error();
    if (auto st = runner_.unmark(*id, r.by_user, *config); !st) return st.error();
    return *id;
  }
  return Error::data(fmt::format("a mark message with op '{}'", op));
}

bool MarkStream::follow() {
  if (auto st = follower_client_->ensure_stream(stream_); !st) return false;
  uint64_t position = 0;
  {
    std::lock_guard lock(writer_mutex_);
    auto p = writer_.stream_position(kMarksStream);
    if (!p) return false;
    position = *p;
  }
  {
    std::lock_guard lock(mu_);
    applied_ = std::max(applied_, position);
  }
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = kMarksStream;
  so.Ordered = true;
  if (position > 0) {
    so.Config.DeliverPolicy = js_DeliverByStartSequence;
    so.Config.OptStartSeq = position + 1;
  }
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  if (js_SubscribeSync(&sub, follower_client_->js(), kMarksSubject, nullptr, &so, &jerr) != NATS_OK) return false;
  bool ok = true;
  while (!stop_) {
    natsMsg* msg = nullptr;
    natsStatus s = natsSubscription_NextMsg(&msg, sub, kMarkNextWaitMs);
    if (s == NATS_TIMEOUT) continue;
    if (s != NATS_OK) {
      ok = false;
      break;
    }
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) != NATS_OK) {
      natsMsg_Destroy(msg);
      continue;
    }
    const uint64_t seq = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
    auto result = apply_message(std::string_view(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)));
    natsMsg_Destroy(msg);
    if (!result)
      log_warn("cluster={} msg=\"mark message {} not applied: {}\"", cluster_.name, seq, result.error().message);
    {
      std::lock_guard lock(writer_mutex_);
      if (auto st = writer_.set_stream_position(kMarksStream, seq); !st) {
        ok = false;
        break;
      }
    }
    {
      std::lock_guard lock(mu_);
      applied_ = seq;
      results_.insert_or_assign(seq, std::move(result));
      while (results_.size() > kResultsKept) results_.erase(results_.begin());
    }
    applied_cv_.notify_all();
  }
  natsSubscription_Destroy(sub);
  return ok;
}

void MarkStream::run() {
  while (!stop_ && !records_ready_()) std::this_thread::sleep_for(100ms);
  while (!stop_) {
    follow();
    for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(100ms);
  }
}

}  // namespace crm
