#include "fake/fake_server.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>

#include "fake/gzip_bomb.h"
#include "fake/hubspot_dialect.h"

#include "fake/dynamics_dialect.h"
#include "fake/odoo_dialect.h"
#include "fake/salesforce_dialect.h"
#include "fake/suitecrm_dialect.h"
#include "fake/zoho_dialect.h"

namespace crm::fake {

// A token bucket holding up to max(rate, 1) tokens, refilled at `rate` per second.
class FakeServer::RateLimiter {
 public:
  explicit RateLimiter(double rate) : rate_(rate), burst_(std::max(rate, 1.0)) { reset(); }

  bool try_acquire() {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
    last_ = now;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  void reset() {
    std::lock_guard lock(mu_);
    tokens_ = burst_;
    last_ = std::chrono::steady_clock::now();
  }
  double rate() const { return rate_; }

 private:
  std::mutex mu_;
  const double rate_;
  const double burst_;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point last_;
};

namespace {

const char* code_for(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 408: return "timeout";
    case 409: return "conflict";
    case 429: return "rate_limited";
    case 500: return "internal";
    case 502: return "bad_gateway";
    case 503: return "unavailable";
    case 504: return "gateway_timeout";
    default: return "error";
  }
}

bool bearer_matches(std::string_view header, std::string_view token) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return false;
  return header.substr(kScheme.size()) == token;
}

// Puts the bytes C3 28 (a lead byte followed by ASCII: invalid UTF-8) at the start of the
// first record's name ("full_name", else the first string value), leaving the JSON intact.
void break_utf8(std::string& body) {
  size_t at = body.find("\"full_name\":\"");
  if (at != std::string::npos) {
    at += 13;
  } else if (at = body.find("\":\""); at != std::string::npos) {
    at += 3;
  } else {
    return;
  }
  body.insert(at, "\xC3\x28");
}

// What a careless CRM (or a debugging proxy) answers: an error whose message quotes the
// whole request, credentials included, in the dialect's error shape.
ServerResponse echo(const Dialect& dialect, const ServerRequest& req, int status) {
  std::string text = fmt::format("{} {}", req.method, req.path);
  char sep = '?';
  for (const auto& [k, v] : req.query) {
    text += fmt::format("{}{}={}", sep, k, v);
    sep = '&';
  }
  for (const auto& [k, v] : req.headers) text += fmt::format(" | {}: {}", k, v);
  if (!req.body.empty()) text += " | body: " + req.body;
  return dialect.error(status, code_for(status), "request rejected: " + text);
}

}  // namespace

FakeServer::FakeServer(FakeConfig config, const Clock& clock)
    : config_(std::move(config)),
      data_(config_.records, config_.seed, clock),
      tokens_(clock),
      tracking_(clock),
      limiter_(config_.rate_limit > 0 ? std::make_unique<RateLimiter>(config_.rate_limit) : nullptr),
      control_(data_, faults_, stats_, tokens_, tracking_, webhooks_, [this] { reset(); }),
      webhooks_([this] { return webhook_context(); }, clock) {
  // Every dialect is mounted at once: their paths do not overlap (/page/contacts,
  // /services/data/…, /crm/v3/…, /api/data/v9.2/…, /Api/V8/…). Vendor dialects are added here.
  auto rest = std::make_unique<RestDialect>(data_, config_.rest, base_);
  rest_ = rest.get();
  dialects_.push_back(std::move(rest));
  dialects_.push_back(std::make_unique<HubspotDialect>(data_, tokens_, config_.bearer));
  dialects_.push_back(std::make_unique<DynamicsDialect>(data_, tokens_, tracking_, base_, config_.rest.max_page_size,
                                                        config_.dynamics_untracked));
  dialects_.push_back(std::make_unique<SalesforceDialect>(data_, tokens_, config_.rest.max_page_size, base_, clock));
  dialects_.push_back(std::make_unique<ZohoDialect>(data_, tokens_, base_, config_.rest.max_page_size, clock));
  dialects_.push_back(std::make_unique<OdooDialect>(data_, tokens_));
  auto pipedrive = std::make_unique<PipedriveDialect>(data_, tokens_, base_, config_.rest.max_page_size, clock);
  pipedrive_ = pipedrive.get();
  dialects_.push_back(std::move(pipedrive));
  dialects_.push_back(std::make_unique<SuiteCrmDialect>(data_, tokens_, base_, config_.suitecrm));
  data_.set_change_sink(&webhooks_);
}

WebhookContext FakeServer::webhook_context() const {
  return {base_.get(), [pipedrive = pipedrive_](const FakeRecord& person) { return pipedrive->org_of(person); }};
}

FakeServer::~FakeServer() = default;

void FakeServer::reset() {
  data_.reset();
  tokens_.reset();
  tracking_.reset();
  faults_.clear();
  stats_.reset();
  webhooks_.reset();
  if (limiter_) limiter_->reset();
}

ServerResponse FakeServer::handle(const ServerRequest& req) {
  if (req.path.starts_with(kControlPrefix)) return control_.handle(req);
  ServerResponse resp = dispatch(req);
  if (resp.drop_connection)
    stats_.dropped();
  else
    stats_.answered(resp.status);
  return resp;
}

ServerResponse FakeServer::dispatch(const ServerRequest& req) {
  const Dialect* dialect = nullptr;
  RouteKind kind = RouteKind::none;
  for (const auto& d : dialects_) {
    kind = d->route(req.path);
    if (kind != RouteKind::none) {
      dialect = d.get();
      break;
    }
  }
  // Errors on unknown paths use the first dialect's shape.
  const Dialect& shape = dialect ? *dialect : *dialects_.front();
  stats_.request(kind);

  const bool own_auth = dialect && dialect->own_auth();
  if (!own_auth && !config_.api_key.empty() && req.header("x-api-key") != config_.api_key)
    return shape.error(401, "unauthorized", "invalid or missing API key");
  if (!own_auth && !config_.bearer.empty() && !bearer_matches(req.header("authorization"), config_.bearer)) {
    auto r = shape.error(401, "unauthorized", "invalid or missing bearer token");
    r.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="crm-fake")");
    return r;
  }
  if (limiter_ && !limiter_->try_acquire()) {
    auto r = shape.error(429, "rate_limited",
                         fmt::format("rate limit of {:g} requests per second exceeded", limiter_->rate()));
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (!dialect) return shape.error(404, "not_found", fmt::format("no route for {}", req.path));
  if (!dialect->allows(req.method, req.path)) {
    auto r = shape.error(405, "method_not_allowed", fmt::format("{} is not allowed here", req.method));
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  // Faults hit reads of records, by page or one by id.
  const bool reads_records = kind == RouteKind::list || kind == RouteKind::record;
  std::optional<Fault> fault = faults_.next_for_request(reads_records);
  if (fault && fault->kind == FaultKind::echo) return echo(*dialect, req, fault->status);
  if (!reads_records) return dialect->handle(req);
  if (fault) {
    switch (fault->kind) {
      case FaultKind::status: {
        ServerResponse r;
        if (fault->body) {
          r = ServerResponse::json(fault->status, *fault->body);
          if (fault->content_type) r.headers = {{"Content-Type", *fault->content_type}};
        } else {
          r = dialect->error(fault->status, code_for(fault->status),
                             fmt::format("injected fault: HTTP {}", fault->status));
        }
        if (fault->retry_after) r.headers.emplace_back("Retry-After", *fault->retry_after);
        return r;
      }
      case FaultKind::drop: {
        ServerResponse r;
        r.drop_connection = true;
        return r;
      }
      case FaultKind::slow: faults_.sleep_for(Millis{fault->delay_ms}); break;
      case FaultKind::mutate_after:
        stats_.mutated_during_paging(
            data_.update_oldest(fault->update, dialect->view_since_ms(req), ++fault_salt_));
        break;
      case FaultKind::html: {
        // What a captive portal or a proxy's login page answers in place of the API.
        ServerResponse r = ServerResponse::json(
            200, fault->body.value_or("<!DOCTYPE html>\n<html><head><title>Sign in to Guest-WiFi</title></head>"
                                      "<body><form method=\"post\" action=\"/login\">Please sign in to continue."
                                      "</form></body></html>\n"));
        r.headers = {{"Content-Type", fault->content_type.value_or("text/html; charset=utf-8")}};
        return r;
      }
      case FaultKind::duplicate:
      case FaultKind::empty:
        if (dialect != rest_)
          return dialect->error(501, "not_implemented",
                                fmt::format("fault '{}' is only implemented for the rest dialect", to_string(fault->kind)));
        return rest_->handle(req, fault->kind == FaultKind::empty ? PageBend::cut_short : PageBend::repeat_previous);
      case FaultKind::gzip_bomb: {
        ServerResponse r = ServerResponse::json(200, gzip_bomb(fault->inflate_mb));
        r.headers.emplace_back("Content-Encoding", "gzip");
        return r;
      }
      case FaultKind::echo:  // answered above
      case FaultKind::invalid_utf8:
      case FaultKind::truncate:
      case FaultKind::cut: break;
    }
  }
  ServerResponse resp = dialect->handle(req);
  if (fault && fault->kind == FaultKind::truncate) resp.body.resize(resp.body.size() / 2);
  if (fault && fault->kind == FaultKind::cut) resp.cut_after_bytes = resp.body.size() / 2;
  if (fault && fault->kind == FaultKind::invalid_utf8) break_utf8(resp.body);
  return resp;
}

}  // namespace crm::fake
