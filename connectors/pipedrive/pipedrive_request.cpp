#include "connectors/pipedrive/pipedrive_request.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/text_codec.h"
#include "http/http_client.h"

namespace crm {
std::string pipedrive_list_url(std::string_view base_url, const PipedriveObject& object, int page_size,
                               std::optional<TimePoint> since, std::string_view cursor) {
  std::string url = fmt::format("{}/api/v2/{}?limit={}&sort_by=update_time&sort_direction=asc", base_url,
                                object.name, std::clamp(page_size, 1, kPipedriveMaxPageSize));
  // RFC 3339 in UTC, whole seconds ("2025-01-01T10:20:00Z"): updated_since is inclusive.
  if (since) url += "&updated_since=" + url_encode(format_iso8601_seconds(*since));
  if (!cursor.empty()) url += "&cursor=" + url_encode(cursor);
  return url;
}

std::string pipedrive_one_url(std::string_view base_url, const PipedriveObject& object, uint64_t id) {
  return fmt::format("{}/api/v2/{}/{}", base_url, object.name, id);
}

std::string pipedrive_orgs_by_id_url(std::string_view base_url, const std::vector<int64_t>& ids) {
  std::string list;
  for (int64_t id : ids) list += fmt::format("{}{}", list.empty() ? "" : ",", id);
  return fmt::format("{}/api/v2/organizations?ids={}&limit={}", base_url, url_encode(list),
                     kPipedriveMaxIds);
}

std::string pipedrive_org_persons_url(std::string_view base_url, int64_t org_id, int page_size,
                                      std::string_view cursor) {
  std::string url = fmt::format("{}/api/v2/persons?org_id={}&limit={}&sort_by=update_time&sort_direction=asc",
                                base_url, org_id, std::clamp(page_size, 1, kPipedriveMaxPageSize));
  if (!cursor.empty()) url += "&cursor=" + url_encode(cursor);
  return url;
}

std::vector<PipedriveStep> pipedrive_plan(const PipedriveOptions& options, SyncMode mode) {
  std::vector<PipedriveStep> plan;
  const bool follow = mode == SyncMode::incremental && options.follow_org_renames &&
                      options.reads(PipedriveObjectKind::persons);
  for (const auto& o : options.objects)
    plan.push_back({o, true, follow && o.which == PipedriveObjectKind::organizations});
  if (follow && !options.reads(PipedriveObjectKind::organizations))
    plan.push_back({{PipedriveObjectKind::organizations, "organizations", RecordKind::company, "organization"},
                    false, true});
  return plan;
}

// "pd1|step|phase|b64(cursor)|done|b64(person_cursor)|id:b64(name),…"
std::string encode_pipedrive_token(const PipedriveToken& t) {
  std::string pending;
  for (const auto& [id, name] : t.pending) pending += fmt::format("{}{}:{}", pending.empty() ? "" : ",", id, base64url(name));
  return fmt::format("pd1|{}|{}|{}|{}|{}|{}", t.step, t.phase == PipedrivePhase::list ? "list" : "orgp",
                     base64url(t.cursor), t.list_done ? 1 : 0, base64url(t.person_cursor), pending);
}

std::optional<PipedriveToken> decode_pipedrive_token(std::string_view text) {
  auto parts = split(text, '|');
  if (parts.size() != 7 || parts[0] != "pd1") return std::nullopt;
  PipedriveToken t;
  auto step = parse_uint(parts[1]);
  auto cursor = unbase64url(parts[3]);
  auto person_cursor = unbase64url(parts[5]);
  if (!step || !cursor || !person_cursor || (parts[4] != "0" && parts[4] != "1")) return std::nullopt;
  if (parts[2] == "list") t.phase = PipedrivePhase::list;
  else if (parts[2] == "orgp") t.phase = PipedrivePhase::org_persons;
  else return std::nullopt;
  t.step = *step;
  t.cursor = std::move(*cursor);
  t.list_done = parts[4] == "1";
  t.person_cursor = std::move(*person_cursor);
  if (!parts[6].empty()) {
    for (auto entry : split(parts[6], ',')) {
      size_t colon = entry.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      auto id = parse_int(entry.substr(0, colon));
      auto name = unbase64url(entry.substr(colon + 1));
      if (!id || !name) return std::nullopt;
      t.pending.emplace_back(*id, std::move(*name));
    }
  }
  if (t.phase == PipedrivePhase::org_persons && t.pending.empty()) return std::nullopt;
  return t;
}

}  // namespace crm
