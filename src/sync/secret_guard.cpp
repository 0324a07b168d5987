#include "sync/secret_guard.h"

namespace crm {
namespace {

// Bound of a run's error message: the connector's words and the CRM's quoted ones.
constexpr size_t kMaxRunError = 1000;

class SecretGuard final : public Connector {
 public:
  SecretGuard(std::unique_ptr<Connector> inner, const HttpClient& http, const std::string& source)
      : inner_(std::move(inner)), http_(http), prefix_("source '" + source + "': ") {}

  Result<Page> next_page(const Cursor& cursor) override {
    auto page = inner_->next_page(cursor);
    if (!page) return clean(std::move(page.error()));
    if (page->next) *page->next = http_.without_credentials(*page->next);
    if (page->needs_full_pass)
      *page->needs_full_pass = http_.redactor().outside_text(prefix_ + *page->needs_full_pass, kMaxRunError);
    return page;
  }
  bool listing_may_shift() const override { return inner_->listing_may_shift(); }
  bool resumable() const override { return inner_->resumable(); }
  bool has_deleted_since() const override { return inner_->has_deleted_since(); }
  Result<std::vector<Deletion>> deleted_since(TimePoint since) override {
    auto deletions = inner_->deleted_since(since);
    if (!deletions) return clean(std::move(deletions.error()));
    return deletions;
  }
  bool has_get_by_id() const override { return inner_->has_get_by_id(); }
  Result<LiveRecord> get_by_id(const LiveRequest& request) override {
    auto live = inner_->get_by_id(request);
    if (!live) return clean(std::move(live.error()));
    return live;
  }

 private:
  Error clean(Error e) const {
    e.message = http_.redactor().outside_text(prefix_ + e.message, kMaxRunError);
    return e;
  }

  std::unique_ptr<Connector> inner_;
  const HttpClient& http_;
  const std::string prefix_;  // "source '<name>': "
};

}  // namespace

std::unique_ptr<Connector> guard_secrets(std::unique_ptr<Connector> inner, const HttpClient& http,
                                         const std::string& source) {
  return std::make_unique<SecretGuard>(std::move(inner), http, source);
}

}  // namespace crm
