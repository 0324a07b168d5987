// Fault injection for the fake CRM: a queue of faults that the next dialect list
// requests receive (POST /_control/faults). Only the head of the queue is active: it lets
// `skip` list requests through, then hits the next `count` ones, then the next fault in
// the queue takes over. How a fault is applied to an answer is up to FakeServer; this
// file only parses, queues and hands them out.
//
// Thread-safe: one mutex. sleep_for() waits on a condition variable that shutdown()
// wakes, so a "slow" fault never holds up the process exit.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace crm::fake {

enum class FaultKind {
  status,        // answer with `status`, the dialect's error body (or `body`), Retry-After
  slow,          // sleep delay_ms, then answer normally
  truncate,      // a valid HTTP answer whose body is cut in half: invalid JSON
  cut,           // full Content-Length announced, half the body sent, connection closed
  drop,          // close the connection without any answer
  mutate_after,  // before answering, update the `update` oldest records of the view
  invalid_utf8,  // answer normally, but the first record's name holds the bytes C3 28
  html,          // 200 with Content-Type text/html and a login page (a captive portal)
  duplicate,     // rest dialect: the page starts one record early (repeats the previous page's last)
  empty,         // rest dialect: an empty list with no next page (the CRM cuts the listing short)
  echo,          // any dialect request: `status` with an error body quoting the request (headers, query, body)
  gzip_bomb,     // 200, Content-Encoding: gzip, ~inflate_mb/1000 MB that inflate to inflate_mb MiB
};

struct Fault {
  FaultKind kind = FaultKind::status;
  int status = 500;
  std::optional<std::string> retry_after;   // seconds or an HTTP-date, sent verbatim
  std::optional<std::string> body;          // replaces the dialect's error body
  std::optional<std::string> content_type;  // with `body`; default application/json
  int64_t delay_ms = 1000;
  uint64_t count = 1;
  uint64_t skip = 0;
  uint64_t update = 5;  // mutate_after
  uint64_t inflate_mb = 1024;  // gzip_bomb: MiB after decompression
};

const char* to_string(FaultKind kind);
// Parses one fault from the JSON body of POST /_control/faults.
Result<Fault> parse_fault(std::string_view json);
std::string fault_json(const Fault& f);

class FaultQueue {
 public:
  void push(Fault f);
  void clear();
  std::vector<Fault> pending() const;
  // Called once per dialect request: the fault this request gets, if any. Only an
  // `echo` fault hits requests that are not list requests (token endpoints, JSON-RPC).
  std::optional<Fault> next_for_request(bool list_request);

  // Sleeps unless shutdown() is called meanwhile; false when interrupted.
  bool sleep_for(Millis d);
  void shutdown();

 private:
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Fault> queue_;
  bool shutting_down_ = false;
};

}  // namespace crm::fake
