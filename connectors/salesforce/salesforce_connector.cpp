#include "connectors/salesforce/salesforce_connector.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>

#include "connectors/salesforce/salesforce_errors.h"
#include "connectors/salesforce/salesforce_live.h"
#include "connectors/salesforce/salesforce_options.h"
#include "connectors/salesforce/salesforce_page.h"
#include "connectors/salesforce/salesforce_page_token.h"
#include "connectors/salesforce/salesforce_request.h"
#include "connectors/live_request.h"
#include "connectors/source_connector.h"

namespace crm {
namespace {

// A run whose query locator keeps dying is not making progress; give up after this many
// restarts of one object and let the scheduler try again later.
constexpr int kMaxLocatorRestarts = 3;

// The token response's instance_url as a root to append paths to.
std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

class SalesforceConnector final : public SourceConnector<SalesforceOptions, parse_salesforce_options> {
 public:
  using SourceConnector::SourceConnector;

  // A lost query locator restarts the object's query at the last SystemModstamp the
  // token holds (ORDER BY SystemModstamp, Id), so a token outlives the locator.
  bool resumable() const override { return true; }

  Result<Page> next_page(const Cursor& cursor) override {
    if (options_.objects.empty()) return Error::config("no objects to read");
    SfPageToken token;
    if (cursor.page_token) {
      auto t = decode_sf_page_token(*cursor.page_token);
      if (!t || !find_object(t->object))
        return Error::internal(fmt::format("unreadable page token '{}'", cursor.page_token->substr(0, 80)));
      token = std::move(*t);
    } else {
      token.object = options_.objects.front().name;
      if (options_.quota_reserve)
        if (auto e = check_quota(); e) return std::move(*e);
    }
    const SfObject& object = *find_object(token.object);

    for (int attempt = 0;; ++attempt) {
      auto resp = http_.get(request_url(object, token, cursor.since), request_headers());
      if (!resp) {
        Error e = resp.error();
        e.message = fmt::format("{} query: {}", object.name, e.message);
        return e;
      }
      if (!token.next_url.empty() && is_invalid_locator(*resp) && attempt == 0) {
        // The server-side cursor is gone (expired, or the org's limit on open cursors):
        // restart this object's query at the last SystemModstamp handed out, not at the
        // start, and not by failing the source (crm-apis.md, Salesforce: Traps).
        if (token.restarts >= kMaxLocatorRestarts)
          return Error::transient(fmt::format("{} query: the query locator expired {} times in one run", object.name,
                                              token.restarts + 1));
        token.next_url.clear();
        ++token.restarts;
        continue;
      }
      if (resp->status < 200 || resp->status > 299)
        return sf_error(fmt::format("{} query", object.name), *resp);
      return page_from(*resp, object, token);
    }
  }

  bool has_get_by_id() const override { return true; }

  Result<LiveRecord> get_by_id(const LiveRequest& request) override {
    auto found = object_for_kind(options_.objects, request.kind, "salesforce", "object");
    if (!found) return found.error();
    const SfObject* object = *found;
    if (!valid_sf_id(request.external_id))
      return Error::data(fmt::format("{} '{}': not a Salesforce record id", object->name, request.external_id.substr(0, 40)));
    const std::vector<std::string> fields = sf_live_fields(*object, request.fields);
    const bool query = sf_live_needs_query(fields);
    const std::string root = api_root();
    auto resp = http_.get(sf_record_url(root, *object, request.external_id, fields), {{"Accept", "application/json"}});
    // A first request fetches the token, whose instance_url names the org's host: an
    // answer from base_url (a login host's 404 NOT_FOUND) would say nothing about the
    // record, so it is asked again, once, where the org lives.
    if (resp && api_root() != root)
      resp = http_.get(sf_record_url(api_root(), *object, request.external_id, fields), {{"Accept", "application/json"}});
    const std::string what = fmt::format("{} {}", object->name, query ? "query by Id" : "read by Id");
    if (!resp) {
      Error e = resp.error();
      e.message = fmt::format("{}: {}", what, e.message);
      return e;
    }
    if (!query && sf_record_gone(*resp)) return LiveRecord{};
    if (resp->status < 200 || resp->status > 299) return sf_error(what, *resp);
    // After the answer: the token response that came with it names the instance.
    RowMapping mapping{*object, options_.web_url, instance_url()};
    return map_sf_record(parser_, resp->body, mapping, query, request);
  }

 private:
  const SfObject* find_object(const std::string& name) const {
    for (const auto& o : options_.objects)
      if (o.name == name) return &o;
    return nullptr;
  }

  // The instance URL from the token response (Salesforce's authoritative host for the
  // org) unless the config pins base_url; base_url until a token response has been seen.
  std::string instance_url() {
    if (options_.pin_base_url || source_.auth.type != "oauth2") return source_.base_url;
    const std::string& body = http_.last_token_response();
    if (body != token_body_) {
      token_body_ = body;
      instance_.clear();
      simdjson::dom::element root;
      std::string_view url;
      if (!token_parser_.parse(body.data(), body.size()).get(root) && !root["instance_url"].get_string().get(url) &&
          (url.starts_with("https://") || url.starts_with("http://")))
        instance_ = trim_slash(std::string(url));
    }
    return instance_.empty() ? source_.base_url : instance_;
  }

  std::string api_root() { return fmt::format("{}/services/data/{}", instance_url(), options_.api_version); }

  std::string request_url(const SfObject& object, const SfPageToken& token, std::optional<TimePoint> since) {
    if (!token.next_url.empty()) return instance_url() + token.next_url;
    if (token.from_ms) {  // a restart after a lost locator
      TimePoint from = from_ms(*token.from_ms);
      since = since ? std::max(*since, from) : from;
    }
    // queryAll, not query: it also returns the Recycle Bin (IsDeleted = true), so that
    // deletions and merges since the watermark arrive in an incremental run.
    return fmt::format("{}/queryAll?q={}", api_root(), url_encode(build_soql(object, since)));
  }

  Headers request_headers() const {
    // A hint only: Salesforce may return fewer rows (never assume a page is full).
    return {{"Accept", "application/json"},
            {"Sforce-Query-Options", fmt::format("batchSize={}", options_.batch_size)}};
  }

  Result<Page> page_from(const HttpResponse& resp, const SfObject& object, SfPageToken token) {
    RowMapping mapping{object, options_.web_url, instance_url()};
    auto parsed = parse_query_page(parser_, resp.body, mapping);
    if (!parsed) {
      Error e = parsed.error();
      e.message = fmt::format("{} query: {}", object.name, e.message);
      return e;
    }
    Page page = std::move(parsed->page);
    if (!parsed->done) {
      token.next_url = parsed->next_url;
      if (parsed->last_ms) token.from_ms = parsed->last_ms;
      page.next = encode_sf_page_token(token);
    } else {
      auto it = std::find_if(options_.objects.begin(), options_.objects.end(),
                             [&](const SfObject& o) { return o.name == object.name; });
      if (it != options_.objects.end() && ++it != options_.objects.end())
        page.next = encode_sf_page_token(SfPageToken{it->name, "", std::nullopt, 0});
    }
    return page;
  }

  // quota_reserve: read the org's limits once per run, before the first query.
  std::optional<Error> check_quota() {
    auto resp = http_.get(api_root() + "/limits", {{"Accept", "application/json"}});
    if (!resp) {
      Error e = resp.error();
      e.message = "limits: " + e.message;
      return e;
    }
    if (resp->status < 200 || resp->status > 299) {
      Error e = sf_error("limits", *resp);
      // Without "View Setup and Configuration" the resource is refused (403
      // INSUFFICIENT_ACCESS): the check is then skipped, the sync still runs.
      if (e.kind == ErrorKind::auth && resp->status == 403) return std::nullopt;
      if (e.kind == ErrorKind::config) return std::nullopt;
      return e;
    }
    auto quota = parse_daily_quota(resp->body);
    if (!quota) return std::nullopt;
    return quota_reserve_error(quota->max, quota->remaining, *options_.quota_reserve);
  }

  simdjson::dom::parser token_parser_;
  std::string token_body_;
  std::string instance_;
};

}  // namespace

std::optional<Error> quota_reserve_error(long long max, long long remaining, double reserve) {
  if (max <= 0) return std::nullopt;
  double share = static_cast<double>(remaining) / static_cast<double>(max);
  if (share >= reserve) return std::nullopt;
  // Skipped, not failed: the run stops before it spends requests and the scheduler tries
  // again one interval later, without backing off (the rolling 24-hour allowance has no
  // reset time to wait for).
  return Error::skipped(fmt::format(
      "daily API requests low: {} of {} remaining ({:.1f}%), under quota_reserve {:.0f}%; "
      "run skipped to leave the rest to other integrations",
      remaining, max, share * 100.0, reserve * 100.0));
}

const ConnectorType& salesforce_connector_type() { return connector_type<SalesforceConnector>("salesforce", salesforce_own_options()); }

}  // namespace crm
