#include "connectors/zoho/zoho_request.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/text_codec.h"

namespace crm {
namespace {

std::string api_root(std::string_view base_url, const ZohoOptions& options) {
  return fmt::format("{}/crm/{}", base_url, options.api_version);
}

// "k=value;" → value, advancing `text`; nullopt when the key is not next.
std::optional<std::string_view> take(std::string_view& text, std::string_view key, bool last) {
  if (!text.starts_with(key)) return std::nullopt;
  text.remove_prefix(key.size());
  if (last) {
    std::string_view v = text;
    text = {};
    return v;
  }
  size_t semi = text.find(';');
  if (semi == std::string_view::npos) return std::nullopt;
  std::string_view v = text.substr(0, semi);
  text.remove_prefix(semi + 1);
  return v;
}

}  // namespace

std::string encode_zoho_token(const ZohoToken& t) {
  return fmt::format("m={};s={};p={};t={}", t.module, t.since_ms ? fmt::format("{}", *t.since_ms) : "",
                     t.page, t.page_token);
}

std::optional<ZohoToken> decode_zoho_token(std::string_view text) {
  ZohoToken t;
  auto m = take(text, "m=", false);
  auto s = take(text, "s=", false);
  auto p = take(text, "p=", false);
  auto tok = take(text, "t=", true);
  if (!m || !s || !p || !tok) return std::nullopt;
  auto module = parse_uint(*m);
  auto page = parse_uint(*p);
  if (!module || !page || *page < 1 || *page > 1'000'000) return std::nullopt;
  t.module = static_cast<size_t>(*module);
  t.page = static_cast<int>(*page);
  if (!s->empty()) {
    auto since = parse_int(*s);
    if (!since) return std::nullopt;
    t.since_ms = *since;
  }
  t.page_token = std::string(*tok);
  return t;
}

std::string zoho_list_url(std::string_view base_url, const ZohoOptions& options, const ZohoModule& module,
                          const ZohoToken& at, int page_size) {
  std::string fields;
  for (const auto& f : zoho_field_names(module)) fields += (fields.empty() ? "" : ",") + f;
  std::string url = fmt::format("{}/{}?fields={}&per_page={}&sort_by=Modified_Time&sort_order=asc",
                                api_root(base_url, options), module.name, url_encode(fields),
                                std::clamp(page_size, 1, kZohoMaxPerPage));
  // Past page 10 (2,000 records) only page_token works; it is bound to the other parameters.
  if (!at.page_token.empty()) url += "&page_token=" + url_encode(at.page_token);
  else url += fmt::format("&page={}", at.page);
  return url;
}

std::string zoho_deleted_url(std::string_view base_url, const ZohoOptions& options, const ZohoModule& module,
                             int page) {
  return fmt::format("{}/{}/deleted?type=all&page={}&per_page={}", api_root(base_url, options), module.name, page,
                     kZohoMaxPerPage);
}

std::string zoho_if_modified_since(int64_t since_ms) {
  // Whole seconds, one second earlier: "after S − 1 s" is ">= S" at second resolution.
  int64_t seconds = since_ms >= 0 ? since_ms / 1000 : -((-since_ms + 999) / 1000);
  std::string iso = format_iso8601_seconds(from_ms((seconds - 1) * 1000));  // …Z
  if (!iso.empty() && iso.back() == 'Z') iso.replace(iso.size() - 1, 1, "+00:00");
  return iso;
}

Headers zoho_headers(std::optional<int64_t> since_ms) {
  Headers h = {{"Accept", "application/json"}};
  if (since_ms) h.emplace_back("If-Modified-Since", zoho_if_modified_since(*since_ms));
  return h;
}

}  // namespace crm
