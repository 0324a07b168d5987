#include "connectors/pipedrive/pipedrive_connector.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>

#include "connectors/source_connector.h"
#include "connectors/pipedrive/pipedrive_options.h"
#include "connectors/pipedrive/pipedrive_page.h"
#include "connectors/pipedrive/pipedrive_request.h"
#include "core/text_codec.h"

namespace crm {
namespace {

const PipedriveObject kPersons{PipedriveObjectKind::persons, "persons", RecordKind::person, "person"};
const PipedriveObject kOrgs{PipedriveObjectKind::organizations, "organizations", RecordKind::company, "organization"};

// Used by one thread at a time (connector.h); holds one page at a time.
class PipedriveConnector final : public SourceConnector<PipedriveOptions, parse_pipedrive_options> {
 public:
  using SourceConnector::SourceConnector;

  // v2 cursors are keyset positions in (update_time, id) order.
  bool resumable() const override { return true; }

  Result<Page> next_page(const Cursor& cursor) override {
    const auto plan = pipedrive_plan(options_, cursor.mode);
    PipedriveToken token;
    if (cursor.page_token) {
      auto t = decode_pipedrive_token(*cursor.page_token);
      if (!t || t->step >= plan.size())
        return Error::internal(fmt::format("unreadable page token '{}'", cursor.page_token->substr(0, 80)));
      token = std::move(*t);
    }
    if (plan.empty()) return Page{};
    const std::optional<TimePoint> since =
        cursor.mode == SyncMode::incremental ? cursor.since : std::optional<TimePoint>();
    if (token.phase == PipedrivePhase::org_persons) return org_persons_page(plan, token);
    return list_page(plan, token, since);
  }

  bool has_get_by_id() const override { return true; }

  // GET /api/v2/{persons|organizations}/{id}; a person with an organization costs a
  // second request (organizations?ids=, as its list page does), so that its company, and
  // so its hash, is the synced one.
  Result<LiveRecord> get_by_id(const LiveRequest& request) override {
    const PipedriveObject& object = request.kind == RecordKind::company ? kOrgs : kPersons;
    auto id = parse_uint(request.external_id);
    if (!id) return LiveRecord{};  // Pipedrive ids are numbers: no such record
    auto resp = get(pipedrive_one_url(source_.base_url, object, *id));
    if (!resp) return resp.error();
    if (resp->status == 404) return LiveRecord{};
    if (resp->status < 200 || resp->status > 299) return pipedrive_error(what(object.name, "get by id"), *resp);
    auto one = parse_pipedrive_one(resp->body, object, options_, source_.base_url, request.fields, parser_);
    if (!one) return one.error();
    LiveRecord live;
    live.crm = std::move(one->crm);
    PipedriveListPage& list = one->list;
    if (list.page.records.empty())
      return Error::data(list.page.skip_reasons.empty() ? what(object.name, "get by id: not mappable")
                                                        : list.page.skip_reasons[0]);
    if (list.page.records[0].deleted) return live;  // kept 30 days with is_deleted: gone
    if (object.which == PipedriveObjectKind::persons)
      if (auto st = resolve_companies(list); !st) return st.error();
    live.record = std::move(list.page.records[0]);
    return live;
  }

 private:
  std::string what(std::string_view object, std::string_view op) const {
    return fmt::format("pipedrive {} {}", object, op);
  }

  Result<HttpResponse> get(const std::string& url) {
    HttpRequest req{"GET", url, {{"Accept", "application/json"}}, {}};
    req.final_answer = pipedrive_budget_exhausted;
    return http_.send(req);
  }

  Result<PipedriveListPage> fetch(const std::string& url, const PipedriveObject& object, std::string_view op) {
    auto resp = get(url);
    if (!resp) return resp.error();
    if (resp->status < 200 || resp->status > 299) return pipedrive_error(what(object.name, op), *resp);
    return parse_pipedrive_page(resp->body, object, options_, source_.base_url, parser_);
  }

  // The token that follows step `step` once its list is done.
  std::optional<std::string> after_step(const std::vector<PipedriveStep>& plan, size_t step) const {
    if (step + 1 >= plan.size()) return std::nullopt;
    PipedriveToken next;
    next.step = step + 1;
    return encode_pipedrive_token(next);
  }

  Result<Page> list_page(const std::vector<PipedriveStep>& plan, const PipedriveToken& t,
                         std::optional<TimePoint> since) {
    const PipedriveStep& step = plan[t.step];
    auto parsed = fetch(pipedrive_list_url(source_.base_url, step.object, options_.page_size, since, t.cursor),
                        step.object, "list");
    if (!parsed) return parsed.error();
    // A cursor with an empty page behind it would loop: an empty page ends the list.
    const bool more = parsed->next_cursor && parsed->items > 0;
    if (step.object.which == PipedriveObjectKind::persons) {
      if (auto st = resolve_companies(*parsed); !st) return st.error();
    }
    Page page;
    if (step.emit) page = std::move(parsed->page);
    else page.high_water = parsed->page.high_water;  // the watermark may still move on it

    PipedriveToken next;
    next.step = t.step;
    if (step.follow_renames) {
      // Changed organizations: read their persons again before the list goes on.
      const auto& records = step.emit ? page.records : parsed->page.records;
      for (const auto& r : records)
        if (!r.deleted) {
          auto id = parse_int(r.external_id);
          if (id) next.pending.emplace_back(*id, r.name);
        }
    }
    if (!next.pending.empty()) {
      next.phase = PipedrivePhase::org_persons;
      next.cursor = more ? *parsed->next_cursor : std::string();
      next.list_done = !more;
      page.next = encode_pipedrive_token(next);
    } else if (more) {
      next.cursor = *parsed->next_cursor;
      page.next = encode_pipedrive_token(next);
    } else {
      page.next = after_step(plan, t.step);
    }
    return page;
  }

  // The persons of the front pending organization, with its (new) name as company.
  Result<Page> org_persons_page(const std::vector<PipedriveStep>& plan, const PipedriveToken& t) {
    const auto& [org_id, org_name] = t.pending.front();
    auto parsed = fetch(pipedrive_org_persons_url(source_.base_url, org_id, options_.page_size, t.person_cursor),
                        kPersons, "of an organization");
    if (!parsed) return parsed.error();
    for (size_t i = 0; i < parsed->page.records.size(); ++i)
      if (parsed->org_ids[i] == org_id) parsed->page.records[i].company = org_name;
    // A person moved to another organization meanwhile: resolve it like any other.
    if (auto st = resolve_companies(*parsed, org_id); !st) return st.error();
    Page page;
    if (options_.reads(PipedriveObjectKind::persons)) page = std::move(parsed->page);
    // These persons did not change themselves: their old times must not move the watermark
    // backwards or forwards beyond what the lists saw; leave high_water out.
    page.high_water.reset();

    PipedriveToken next = t;
    if (parsed->next_cursor && parsed->items > 0) {
      next.person_cursor = *parsed->next_cursor;
    } else {
      next.person_cursor.clear();
      next.pending.erase(next.pending.begin());
    }
    if (!next.pending.empty()) {
      page.next = encode_pipedrive_token(next);
    } else if (!t.list_done) {
      PipedriveToken resume;
      resume.step = t.step;
      resume.cursor = t.cursor;
      page.next = encode_pipedrive_token(resume);
    } else {
      page.next = after_step(plan, t.step);
    }
    return page;
  }

  // Fills `company` of the page's persons from their organizations: the distinct org ids
  // (other than `known`, already filled) in chunks of 100 through organizations?ids=.
  // Organizations that are deleted or invisible to the token's user are simply absent
  // from the answer: those persons get no company.
  Status resolve_companies(PipedriveListPage& list, int64_t known = 0) {
    std::vector<int64_t> ids;
    for (size_t i = 0; i < list.page.records.size(); ++i)
      if (list.org_ids[i] != 0 && list.org_ids[i] != known && list.page.records[i].company.empty())
        ids.push_back(list.org_ids[i]);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<std::pair<int64_t, std::string>> names;
    for (size_t from = 0; from < ids.size(); from += kPipedriveMaxIds) {
      std::vector<int64_t> chunk(ids.begin() + static_cast<std::ptrdiff_t>(from),
                                 ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), from + kPipedriveMaxIds)));
      auto resp = get(pipedrive_orgs_by_id_url(source_.base_url, chunk));
      if (!resp) return resp.error();
      if (resp->status < 200 || resp->status > 299)
        return pipedrive_error(what("organizations", "lookup by id"), *resp);
      // The persons page is already mapped into Records: the parser can be reused.
      auto orgs = parse_pipedrive_page(resp->body, kOrgs, options_, source_.base_url, parser_);
      if (!orgs) return orgs.error();
      for (auto& r : orgs->page.records)
        if (auto id = parse_int(r.external_id)) names.emplace_back(*id, std::move(r.name));
    }
    std::sort(names.begin(), names.end());
    for (size_t i = 0; i < list.page.records.size(); ++i) {
      const int64_t org = list.org_ids[i];
      if (org == 0 || org == known || !list.page.records[i].company.empty()) continue;
      auto it = std::lower_bound(names.begin(), names.end(), std::make_pair(org, std::string()));
      if (it != names.end() && it->first == org) list.page.records[i].company = it->second;
    }
    return {};
  }

};

}  // namespace

const ConnectorType& pipedrive_connector_type() { return connector_type<PipedriveConnector>("pipedrive", pipedrive_own_options()); }

}  // namespace crm
