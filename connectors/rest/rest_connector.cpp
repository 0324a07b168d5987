#include "connectors/rest/rest_connector.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>

#include "connectors/error_body.h"
#include "connectors/json_fields.h"
#include "connectors/record_fields.h"
#include "connectors/rest/link_header.h"
#include "connectors/rest/rest_options.h"
#include "core/json_writer.h"
#include "core/text_codec.h"

namespace crm {
namespace {

// Page tokens: "page:N", "offset:K", "cursor:<opaque>", "url:<absolute URL>".
constexpr std::string_view kPage = "page:", kOffset = "offset:", kCursor = "cursor:", kUrl = "url:";

std::string origin_of(const std::string& url) {
  size_t scheme = url.find("://");
  size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? url : url.substr(0, slash);
}

std::string join_url(const std::string& base, const std::string& path) {
  if (!base.empty() && base.back() == '/' && !path.empty() && path.front() == '/')
    return base + path.substr(1);
  return base + path;
}

long to_long(std::string_view s) {
  long v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}


class RestConnector final : public Connector {
 public:
  RestConnector(const SourceConfig& source, HttpClient& http)
      : source_(source), options_(parse_rest_options(source, nullptr)), http_(http) {
    for (const auto& [field, pointer] : options_.fields) {
      if (field == "external_id") ptr_id_ = pointer;
      else if (field == "kind") ptr_kind_ = pointer;
      else if (field == "name") ptr_name_ = pointer;
      else if (field == "given_name") ptr_given_ = pointer;
      else if (field == "family_name") ptr_family_ = pointer;
      else if (field == "email") ptr_email_ = pointer;
      else if (field == "phone") ptr_phone_ = pointer;
      else if (field == "company") ptr_company_ = pointer;
      else if (field == "national_id") ptr_national_id_ = pointer;
      else if (field == "updated_at") ptr_updated_ = pointer;
    }
  }

  Result<Page> next_page(const Cursor& cursor) override {
    std::string url = request_url(cursor);
    auto resp = http_.get(url, {{"Accept", "application/json"}});
    if (!resp) return resp.error();
    if (resp->status == 204) return Page{};
    if (resp->status < 200 || resp->status > 299)
      return error_from_response(fmt::format("source '{}': list", source_.name), *resp);

    simdjson::dom::element root;
    if (auto err = parser_.parse(resp->body).get(root); err)
      return Error::transient(fmt::format("source '{}': the CRM's answer is not valid JSON ({}; {} bytes)",
                                          source_.name, simdjson::error_message(err), resp->body.size()));
    simdjson::dom::array items;
    auto at = root.at_pointer(options_.items);  // "" is the whole document
    if (at.get_array().get(items))
      return Error::data(fmt::format("source '{}': no array at list.items '{}' in the CRM's answer",
                                     source_.name, options_.items));

    Page page;
    page.records.reserve(items.size());
    for (auto item : items) map_record(item, page);
    if (auto next = next_token(cursor, root, *resp, items.size())) page.next = std::move(*next);
    return page;
  }

 private:
  std::string request_url(const Cursor& cursor) {
    const std::string token = cursor.page_token.value_or("");
    if (token.rfind(kUrl, 0) == 0) return token.substr(kUrl.size());
    std::string url = join_url(source_.base_url, options_.path);
    char sep = url.find('?') == std::string::npos ? '?' : '&';
    for (const auto& [name, tmpl] : options_.params) {
      std::string v = tmpl;
      if (v.find("{watermark}") != std::string::npos) {
        if (!cursor.since) continue;  // full pass: no watermark, the parameter is left out
        replace_all(v, "{watermark}", format_timestamp(*cursor.since, options_.watermark));
      }
      if (v.find("{cursor}") != std::string::npos) {
        if (token.rfind(kCursor, 0) != 0) continue;  // first page: no cursor yet
        replace_all(v, "{cursor}", std::string_view(token).substr(kCursor.size()));
      }
      replace_all(v, "{page_size}", std::to_string(source_.settings.page_size));
      long page = token.rfind(kPage, 0) == 0 ? to_long(std::string_view(token).substr(kPage.size())) : options_.first_page;
      replace_all(v, "{page}", std::to_string(page));
      long offset = token.rfind(kOffset, 0) == 0 ? to_long(std::string_view(token).substr(kOffset.size())) : 0;
      replace_all(v, "{offset}", std::to_string(offset));
      url += sep;
      url += url_encode(name);
      url += '=';
      url += url_encode(v);
      sep = '&';
    }
    return url;
  }

  std::optional<std::string> next_token(const Cursor& cursor, simdjson::dom::element root,
                                        const HttpResponse& resp, size_t item_count) {
    const std::string token = cursor.page_token.value_or("");
    switch (options_.style) {
      case PageStyle::page: {
        // Servers cap page sizes silently: only an empty page ends the list.
        if (item_count == 0) return std::nullopt;
        long page = token.rfind(kPage, 0) == 0 ? to_long(std::string_view(token).substr(kPage.size())) : options_.first_page;
        return fmt::format("{}{}", kPage, page + 1);
      }
      case PageStyle::offset: {
        if (item_count == 0) return std::nullopt;
        long offset = token.rfind(kOffset, 0) == 0 ? to_long(std::string_view(token).substr(kOffset.size())) : 0;
        return fmt::format("{}{}", kOffset, offset + static_cast<long>(item_count));
      }
      case PageStyle::cursor: {
        std::string c;
        auto v = root.at_pointer(options_.next_pointer);
        if (v.error() || !scalar_text(v.value_unsafe(), c) || c.empty() || item_count == 0) return std::nullopt;
        return std::string(kCursor) + c;
      }
      case PageStyle::next_url: {
        std::string u;
        auto v = root.at_pointer(options_.next_pointer);
        if (v.error() || !scalar_text(v.value_unsafe(), u) || u.empty()) return std::nullopt;
        return std::string(kUrl) + absolute(u);
      }
      case PageStyle::link_header: {
        auto next = link_header_next(resp.header("link"));
        if (!next || next->empty()) return std::nullopt;
        return std::string(kUrl) + absolute(*next);
      }
    }
    return std::nullopt;
  }

  std::string absolute(const std::string& u) const {
    if (u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0) return u;
    if (!u.empty() && u[0] == '/') return origin_of(source_.base_url) + u;
    return join_url(source_.base_url + "/", u);
  }

  // Reads one field; "" when the pointer is unset or absent. False on a non-scalar.
  bool field(simdjson::dom::element item, const std::string& pointer, std::string& out) {
    out.clear();
    if (pointer.empty()) return true;
    auto v = item.at_pointer(pointer);
    if (v.error()) return true;
    return scalar_text(v.value_unsafe(), out);
  }


  void map_record(simdjson::dom::element item, Page& page) {
    Record r;
    r.kind = options_.default_kind;
    if (!field(item, ptr_id_, r.external_id) || r.external_id.empty()) {
      page.skip(fmt::format("no usable external_id at '{}'", ptr_id_));
      return;
    }
    struct Target { const std::string& ptr; std::string& out; const char* name; };
    for (Target t : {Target{ptr_name_, r.name, "name"}, Target{ptr_given_, r.given_name, "given_name"},
                     Target{ptr_family_, r.family_name, "family_name"}, Target{ptr_email_, r.email, "email"},
                     Target{ptr_phone_, r.phone, "phone"}, Target{ptr_company_, r.company, "company"},
                     Target{ptr_national_id_, r.national_id, "national_id"}}) {
      if (!field(item, t.ptr, t.out)) {
        page.skip(fmt::format("record {}: {} at '{}' is not a scalar", r.external_id, t.name, t.ptr));
        return;
      }
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
    if (!ptr_updated_.empty()) {
      auto v = item.at_pointer(ptr_updated_);
      if (!v.error()) {
        if (auto t = parse_timestamp(v.value_unsafe(), options_.timestamp)) {
          r.remote_updated_at = *t;
          if (!page.high_water || *t > *page.high_water) page.high_water = *t;
        }
      }
    }
    if (!options_.extra.empty()) {
      JsonWriter w(r.extra);
      w.begin_object();
      std::string v;
      for (const auto& [key, pointer] : options_.extra) {
        w.key(key);
        if (field(item, pointer, v) && !v.empty()) w.value(v); else w.null();
      }
      w.end_object();
    }
    if (!source_.web_url.empty()) {
      r.web_url = source_.web_url;
      replace_all(r.web_url, "{id}", url_encode(r.external_id));
      replace_all(r.web_url, "{external_id}", url_encode(r.external_id));
    }
    page.records.push_back(std::move(r));
  }

  const SourceConfig& source_;
  RestOptions options_;
  HttpClient& http_;
  simdjson::dom::parser parser_;
  std::string ptr_id_, ptr_kind_, ptr_name_, ptr_given_, ptr_family_, ptr_email_, ptr_phone_,
      ptr_company_, ptr_national_id_, ptr_updated_;
};

}  // namespace

std::vector<std::string> rest_own_keys() {
  return {"list", "timestamp_format", "watermark_format", "kind"};
}

void validate_rest_source(const SourceConfig& source, ConfigErrors& errors) {
  (void)parse_rest_options(source, &errors);
}

std::unique_ptr<Connector> make_rest_connector(const SourceConfig& source, HttpClient& http) {
  return std::make_unique<RestConnector>(source, http);
}

}  // namespace crm
