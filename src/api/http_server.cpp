// HttpServer on libmicrohttpd: internal epoll polling with a thread pool. Every MHD
// callback below runs on a pool thread; the only shared state they touch is the
// immutable options, the handler (which must be thread-safe) and the log buffer (mutex).
#include "api/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <microhttpd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdarg>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>

namespace crm {

std::optional<std::string_view> ServerRequest::param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

std::string_view ServerRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
      return a == std::tolower(static_cast<unsigned char>(b));
    });
    if (same) return v;
  }
  return {};
}

ServerResponse ServerResponse::json(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  r.body = std::move(body);
  return r;
}

namespace {

// JSON string contents for our own error messages (ASCII text we wrote ourselves, but a
// handler's exception message may carry anything).
std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

ServerResponse error_response(int status, std::string_view code, std::string_view message) {
  return ServerResponse::json(status, fmt::format(R"({{"error":{{"code":"{}","message":"{}"}}}})",
                                                  code, json_escape(message)));
}

// Per-request state kept in MHD's con_cls between the calls of the access handler.
struct RequestState {
  std::string body;
  bool too_large = false;
  bool responded = false;
};

// Serves a body generated piece by piece (ServerResponse::stream).
struct StreamReader {
  std::function<bool(std::string&)> next;
  std::string buf;
  size_t off = 0;
  bool done = false;

  static ssize_t read(void* cls, uint64_t /*pos*/, char* out, size_t max) {
    auto* self = static_cast<StreamReader*>(cls);
    while (self->off >= self->buf.size() && !self->done) {
      self->buf.clear();
      self->off = 0;
      try {
        if (!self->next(self->buf)) self->done = true;
      } catch (...) {
        return MHD_CONTENT_READER_END_WITH_ERROR;
      }
    }
    if (self->off >= self->buf.size()) return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = std::min(max, self->buf.size() - self->off);
    std::memcpy(out, self->buf.data() + self->off, n);
    self->off += n;
    return static_cast<ssize_t>(n);
  }
  static void free(void* cls) { delete static_cast<StreamReader*>(cls); }
};

// Serves the first `cut` bytes of a body announced with its full Content-Length, then
// fails, so that MHD closes the connection mid-body (ServerResponse::cut_after_bytes).
struct CutReader {
  std::string body;
  size_t cut = 0;

  static ssize_t read(void* cls, uint64_t pos, char* out, size_t max) {
    auto* self = static_cast<CutReader*>(cls);
    if (pos >= self->cut) return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = std::min<size_t>(max, self->cut - pos);
    std::memcpy(out, self->body.data() + pos, n);
    return static_cast<ssize_t>(n);
  }
  static void free(void* cls) { delete static_cast<CutReader*>(cls); }
};

MHD_Response* make_mhd_response(ServerResponse& r) {
  if (r.stream) {
    auto* reader = new StreamReader{std::move(r.stream), {}, 0, false};
    auto* resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, &StreamReader::read,
                                                   reader, &StreamReader::free);
    if (!resp) delete reader;
    return resp;
  }
  if (r.cut_after_bytes && *r.cut_after_bytes < r.body.size()) {
    uint64_t size = r.body.size();
    auto* reader = new CutReader{std::move(r.body), *r.cut_after_bytes};
    auto* resp =
        MHD_create_response_from_callback(size, 16 * 1024, &CutReader::read, reader, &CutReader::free);
    if (!resp) delete reader;
    return resp;
  }
  return MHD_create_response_from_buffer(r.body.size(), r.body.data(), MHD_RESPMEM_MUST_COPY);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

MHD_Result send_response(MHD_Connection* c, ServerResponse r) {
  if (r.drop_connection) return MHD_NO;  // MHD closes the connection without an answer
  MHD_Response* resp = make_mhd_response(r);
  if (!resp) return MHD_NO;
  for (const auto& [name, value] : r.headers) {
    // MHD computes these itself; a second copy would make the answer invalid.
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) continue;
    MHD_add_response_header(resp, name.c_str(), value.c_str());  // rejects CR/LF: ignored
  }
  MHD_Result ret = MHD_queue_response(c, static_cast<unsigned>(r.status), resp);
  MHD_destroy_response(resp);
  return ret;
}

MHD_Result collect_pair(void* cls, MHD_ValueKind, const char* key, size_t key_size,
                        const char* value, size_t value_size) {
  auto* out = static_cast<std::vector<std::pair<std::string, std::string>>*>(cls);
  out->emplace_back(std::string(key, key_size), value ? std::string(value, value_size) : std::string());
  return MHD_YES;
}

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  ServerHandler handler;
  MHD_Daemon* daemon = nullptr;
  std::mutex log_mu;
  std::string last_log;

  static void log(void* cls, const char* format, va_list ap) {
    auto* self = static_cast<Impl*>(cls);
    char buf[512];
    std::vsnprintf(buf, sizeof buf, format, ap);
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    std::lock_guard lock(self->log_mu);
    self->last_log = std::move(line);
  }

  static void completed(void*, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
    delete static_cast<RequestState*>(*con_cls);
    *con_cls = nullptr;
  }

  static MHD_Result access(void* cls, MHD_Connection* c, const char* url, const char* method,
                           const char* /*version*/, const char* upload_data,
                           size_t* upload_data_size, void** con_cls) {
    auto* self = static_cast<Impl*>(cls);
    auto* st = static_cast<RequestState*>(*con_cls);
    if (!st) {
      st = new (std::nothrow) RequestState;
      if (!st) return MHD_NO;
      *con_cls = st;
      // A declared oversize body is refused before any of it is read.
      const char* cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
      if (cl) {
        uint64_t n = 0;
        auto [p, ec] = std::from_chars(cl, cl + std::strlen(cl), n);
        if (ec == std::errc::result_out_of_range || (ec == std::errc() && n > self->options.max_body_bytes)) {
          st->responded = true;
          return send_response(c, self->too_large());
        }
      }
      return MHD_YES;
    }
    if (*upload_data_size != 0) {
      // Chunked uploads have no declared size: stop keeping data once over the limit.
      if (!st->too_large && !st->responded) {
        if (st->body.size() + *upload_data_size > self->options.max_body_bytes) {
          st->too_large = true;
          std::string().swap(st->body);
        } else {
          st->body.append(upload_data, *upload_data_size);
        }
      }
      *upload_data_size = 0;
      return MHD_YES;
    }
    if (st->responded) return MHD_YES;
    st->responded = true;
    if (st->too_large) return send_response(c, self->too_large());

    ServerResponse resp;
    try {
      ServerRequest req;
      req.method = method;
      req.path = url;
      MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, &collect_pair, &req.query);
      MHD_get_connection_values_n(c, MHD_HEADER_KIND, &collect_pair, &req.headers);
      for (auto& h : req.headers)
        for (char& ch : h.first) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      req.body = std::move(st->body);
      resp = self->handler(req);
    } catch (const std::exception& e) {
      resp = error_response(500, "internal", fmt::format("internal error: {}", e.what()));
    } catch (...) {
      resp = error_response(500, "internal", "internal error");
    }
    return send_response(c, std::move(resp));
  }

  ServerResponse too_large() const {
    return error_response(413, "too_large",
                          fmt::format("request body larger than {} bytes", options.max_body_bytes));
  }
};

HttpServer::HttpServer(HttpServerOptions options, ServerHandler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  if (impl_->daemon) return Error::internal("http server: already started");
  const auto& o = impl_->options;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

  sockaddr_in v4{};
  sockaddr_in6 v6{};
  const sockaddr* addr = nullptr;
  if (inet_pton(AF_INET, o.host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(o.port);
    addr = reinterpret_cast<const sockaddr*>(&v4);
  } else if (inet_pton(AF_INET6, o.host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(o.port);
    addr = reinterpret_cast<const sockaddr*>(&v6);
    flags |= MHD_USE_IPv6;
  } else {
    return Error::config(fmt::format("http server: host '{}' is not an IPv4 or IPv6 literal", o.host));
  }

  auto timeout_s = static_cast<unsigned>((std::max<int64_t>(o.connection_timeout.count(), 0) + 999) / 1000);
  impl_->daemon = MHD_start_daemon(
      flags, o.port, nullptr, nullptr, &Impl::access, impl_.get(),  //
      MHD_OPTION_SOCK_ADDR, addr,                                    //
      MHD_OPTION_THREAD_POOL_SIZE, std::max(1u, o.threads),          //
      MHD_OPTION_CONNECTION_LIMIT, std::max(1u, o.connection_limit),  //
      MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,                       //
      MHD_OPTION_NOTIFY_COMPLETED, &Impl::completed, nullptr,         //
      MHD_OPTION_EXTERNAL_LOGGER, &Impl::log, impl_.get(),            //
      MHD_OPTION_END);
  if (!impl_->daemon) {
    std::lock_guard lock(impl_->log_mu);
    return Error::config(fmt::format("http server: cannot listen on {}:{}{}{}", o.host, o.port,
                                     impl_->last_log.empty() ? "" : ": ", impl_->last_log));
  }
  return {};
}

void HttpServer::stop() {
  if (impl_ && impl_->daemon) {
    MHD_stop_daemon(impl_->daemon);
    impl_->daemon = nullptr;
  }
}

uint16_t HttpServer::port() const {
  if (!impl_->daemon) return 0;
  const MHD_DaemonInfo* info = MHD_get_daemon_info(impl_->daemon, MHD_DAEMON_INFO_BIND_PORT);
  return info ? info->port : 0;
}

}  // namespace crm
