#include "connectors/rest/rest_page.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

#include "connectors/json_fields.h"
#include "connectors/live_fields.h"
#include "connectors/record_fields.h"
#include "connectors/rest/answer_text.h"
#include "connectors/source_options.h"
#include "connectors/rest/link_header.h"
#include "connectors/rest/next_url.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "core/text_codec.h"

namespace crm {
namespace {

std::string origin_of(const std::string& url) {
  size_t scheme = url.find("://");
  size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? url : url.substr(0, slash);
}

// A deleted flag as CRMs write it: SuiteCRM's "1"/"0", booleans, "true"/"false", 1/0.
bool truthy(std::string_view v) {
  if (v.empty() || v == "0" || v == "false" || v == "False" || v == "FALSE" || v == "no" || v == "n" ||
      v == "N" || v == "No")
    return false;
  return true;
}

// Reads one field; "" when the pointer is unset or absent. False on a non-scalar.
bool field(simdjson::dom::element item, const std::string& pointer, std::string& out) {
  out.clear();
  if (pointer.empty()) return true;
  auto v = item.at_pointer(pointer);
  if (v.error()) return true;
  return scalar_text(v.value_unsafe(), out);
}

}  // namespace

long rest_token_number(std::string_view token, std::string_view prefix, long fallback) {
  if (token.rfind(prefix, 0) != 0) return fallback;
  long v = 0;
  std::from_chars(token.data() + prefix.size(), token.data() + token.size(), v);
  return v;
}

std::string rest_join_url(const std::string& base, const std::string& path) {
  if (!base.empty() && base.back() == '/' && !path.empty() && path.front() == '/')
    return base + path.substr(1);
  return base + path;
}

RestPageReader::RestPageReader(const SourceConfig& source, const RestOptions& options)
    : source_(source), options_(options) {
  for (const auto& [name, pointer] : options_.fields) {
    if (name == "external_id") ptr_id_ = pointer;
    else if (name == "kind") ptr_kind_ = pointer;
    else if (name == "updated_at") ptr_updated_ = pointer;
    else if (name == "deleted") ptr_deleted_ = pointer;
  }
  // The text fields in the order of mappable_record_fields(), so that a record with two
  // unreadable fields is skipped for the same one every time.
  for (const auto& field : mappable_record_fields())
    for (const auto& [name, pointer] : options_.fields)
      if (name == field) text_fields_.push_back({name, pointer, record_field(name)});
}

Result<simdjson::dom::element> RestPageReader::parse(HttpResponse& response, simdjson::dom::parser& parser) const {
  simdjson::dom::element root;
  auto err = parser.parse(response.body).get(root);
  if (err == simdjson::UTF8_ERROR && is_json_type(response.header("content-type"))) {
    // The CRM will serve the same bad bytes next time: repair them rather than stop the source.
    Utf8Repair fixed = repair_utf8(response.body);
    log_warn("source={} msg=\"invalid UTF-8 in the CRM's answer: {} sequence(s), the first at byte {}; "
             "replaced with U+FFFD\"", source_.name, fixed.invalid, fixed.first_at);
    response.body = std::move(fixed.text);
    err = parser.parse(response.body).get(root);
  }
  if (err) return unreadable_answer("", response, simdjson::error_message(err));
  return root;
}

Result<Page> RestPageReader::read(HttpResponse& response, std::string_view page_token,
                                  simdjson::dom::parser& parser) const {
  auto parsed = parse(response, parser);
  if (!parsed) return parsed.error();
  const simdjson::dom::element root = *parsed;
  simdjson::dom::array items;
  auto at = root.at_pointer(options_.items);  // "" is the whole document
  if (at.get_array().get(items))
    return Error::data(fmt::format("no array at list.items '{}' in the CRM's answer", options_.items));

  Page page;
  page.records.reserve(items.size());
  for (auto item : items) map_record(item, page);
  if (auto next = next_token(page_token, root, response, items.size())) page.next = std::move(*next);
  return page;
}

Result<LiveRecord> RestPageReader::read_one(HttpResponse& response, simdjson::dom::parser& parser,
                                            const std::vector<std::string>* fields) const {
  auto parsed = parse(response, parser);
  if (!parsed) return parsed.error();
  const std::string& pointer = source_.live.item;
  simdjson::dom::element item;
  simdjson::dom::object object;
  if (parsed->at_pointer(pointer).get(item) || item.get_object().get(object))
    return Error::data(fmt::format("no object at live.item '{}' in the CRM's answer", pointer));
  // Through the page path itself, so that a live record hashes as the synced one does.
  Page one;
  map_record(item, one);
  if (one.records.empty())
    return Error::data(one.skip_reasons.empty() ? std::string("the record could not be mapped") : one.skip_reasons[0]);
  LiveRecord live;
  if (!one.records[0].deleted) live.record = std::move(one.records[0]);
  live.crm = live_fields_json(object, fields);
  return live;
}

std::optional<std::string> RestPageReader::next_token(std::string_view token, simdjson::dom::element root,
                                                      const HttpResponse& response, size_t item_count) const {
  constexpr long kMax = std::numeric_limits<long>::max();
  switch (options_.style) {
    case PageStyle::page: {
      // Servers cap page sizes silently: only an empty page ends the list.
      if (item_count == 0) return std::nullopt;
      long page = rest_token_number(token, rest_token::page, options_.first_page);
      if (page == kMax) return std::nullopt;  // no page after the last number there is
      return fmt::format("{}{}", rest_token::page, page + 1);
    }
    case PageStyle::offset: {
      if (item_count == 0) return std::nullopt;
      long offset = rest_token_number(token, rest_token::offset, 0);
      if (offset > kMax - static_cast<long>(item_count)) return std::nullopt;  // nor after the last offset
      return fmt::format("{}{}", rest_token::offset, offset + static_cast<long>(item_count));
    }
    case PageStyle::cursor: {
      std::string c;
      auto v = root.at_pointer(options_.next_pointer);
      if (v.error() || !scalar_text(v.value_unsafe(), c) || c.empty() || item_count == 0) return std::nullopt;
      return std::string(rest_token::cursor) + c;
    }
    case PageStyle::next_url: {
      std::string u;
      auto v = root.at_pointer(options_.next_pointer);
      if (v.error() || !scalar_text(v.value_unsafe(), u) || u.empty()) return std::nullopt;
      return std::string(rest_token::url) + encode_url_gaps(absolute(u));
    }
    case PageStyle::link_header: {
      auto next = link_header_next(response.header("link"));
      if (!next || next->empty()) return std::nullopt;
      return std::string(rest_token::url) + encode_url_gaps(absolute(*next));
    }
  }
  return std::nullopt;
}

std::string RestPageReader::absolute(const std::string& u) const {
  if (u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0) return u;
  if (!u.empty() && u[0] == '/') return origin_of(source_.base_url) + u;
  return rest_join_url(source_.base_url + "/", u);
}

void RestPageReader::map_record(simdjson::dom::element item, Page& page) const {
  Record r;
  r.kind = options_.default_kind;
  if (!field(item, ptr_id_, r.external_id) || r.external_id.empty()) {
    page.skip(fmt::format("no usable external_id at '{}'", ptr_id_));
    return;
  }
  std::string value;
  for (const auto& [name, pointer, member] : text_fields_) {
    if (!field(item, pointer, value)) {
      page.skip(fmt::format("record {}: {} at '{}' is not a scalar", r.external_id, name, pointer));
      return;
    }
    r.*member = std::move(value);
  }
  if (!ptr_kind_.empty()) {
    std::string k;
    field(item, ptr_kind_, k);
    if (k == "company" || k == "organization" || k == "organisation" || k == "account")
      r.kind = RecordKind::company;
    else if (!k.empty())
      r.kind = RecordKind::person;
  }
  name_from_parts(r);
  if (!ptr_deleted_.empty()) {
    std::string flag;
    if (field(item, ptr_deleted_, flag) && truthy(flag)) r.deleted = true;
  }
  if (!ptr_updated_.empty()) {
    auto v = item.at_pointer(ptr_updated_);
    if (!v.error()) {
      if (auto t = parse_timestamp(v.value_unsafe(), options_.timestamp)) {
        r.remote_updated_at = *t;
        if (!page.high_water || *t > *page.high_water) page.high_water = *t;
      }
    }
  }
  set_extra_fields(r, options_.extra, [&](const std::pair<std::string, std::string>& e, std::string& out) {
    return field(item, e.second, out);
  });
  r.web_url = expand_web_url(source_.web_url, r.external_id);
  page.records.push_back(std::move(r));
}

}  // namespace crm
