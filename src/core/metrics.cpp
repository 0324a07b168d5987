// Metrics: one mutex guards the whole registry. Updates are a map lookup and an add, and
// a scrape renders a few hundred lines at most, so a finer scheme would buy nothing.
//
// Text format reference: https://prometheus.io/docs/instrumenting/exposition_formats/
#include "core/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <system_error>

namespace crm {

struct Metrics::Series {
  double value = 0;                   // counter and gauge
  std::vector<uint64_t> bucket_hits;  // histogram: observations per bucket, not cumulative;
                                      // one more than the bounds (the +Inf bucket)
  double sum = 0;
  uint64_t count = 0;
};

struct Metrics::Family {
  Type type = Type::counter;
  std::string help;
  std::vector<double> bounds;  // histogram upper bounds, sorted, finite, without +Inf
  // Keyed by the label set sorted by name: a stable order, and one series per label set.
  std::map<Labels, Series> series;
};

namespace {

// Prometheus client_golang's DefBuckets.
const std::vector<double> kDefaultBuckets = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};

bool valid_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Label names are metric names without ':'; "__" prefixes are reserved, and "le" belongs
// to histograms.
bool valid_label_name(std::string_view s) {
  return valid_metric_name(s) && s.find(':') == std::string_view::npos &&
         !s.starts_with("__") && s != "le";
}

// Sorted by name; a repeated name keeps its first value. nullopt when a name is invalid.
std::optional<Metrics::Labels> canonical(const Metrics::Labels& labels) {
  Metrics::Labels out = labels;
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const auto& a, const auto& b) { return a.first == b.first; }),
            out.end());
  for (const auto& [k, v] : out)
    if (!valid_label_name(k)) return std::nullopt;
  return out;
}

std::vector<double> clean_bounds(std::vector<double> b) {
  std::erase_if(b, [](double x) { return !std::isfinite(x); });  // +Inf is implicit
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return b;
}

const char* type_name(Metrics::Type t) {
  switch (t) {
    case Metrics::Type::counter: return "counter";
    case Metrics::Type::gauge: return "gauge";
    case Metrics::Type::histogram: return "histogram";
  }
  return "untyped";
}

// HELP text escapes backslash and newline; label values also escape the double quote.
void append_escaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quote) out += "\\\"";
    else out += c;
  }
}

// name{k="v",...,le="x"} value
void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   const Metrics::Labels& labels, const char* le, double value) {
  out += name;
  out += suffix;
  if (!labels.empty() || le) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out += ',';
      first = false;
      out += k;
      out += "=\"";
      append_escaped(out, v, true);
      out += '"';
    }
    if (le) {
      if (!first) out += ',';
      out += "le=\"";
      out += le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += format_metric_value(value);
  out += '\n';
}

}  // namespace

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  constexpr double kExact = 9007199254740992.0;  // 2^53: every integer below is exact
  if (v == std::trunc(v) && std::fabs(v) < kExact)
    return std::to_string(static_cast<int64_t>(v));  // also turns -0 into "0"
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  if (ec != std::errc()) return "NaN";                       // cannot happen with 64 bytes
  return std::string(buf, end);
}

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

void Metrics::declare(std::string_view name, Type type, std::string_view help,
                      std::vector<double> buckets) {
  if (!valid_metric_name(name)) return;
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    // Declared implicitly by an earlier update: keep its series, add the help text, and
    // take the buckets while no series has counted into the default ones yet.
    Family& f = it->second;
    if (f.type != type) return;
    if (f.help.empty()) f.help = help;
    if (type == Type::histogram && f.series.empty() && !buckets.empty())
      f.bounds = clean_bounds(std::move(buckets));
    return;
  }
  Family f;
  f.type = type;
  f.help = help;
  if (type == Type::histogram)
    f.bounds = clean_bounds(buckets.empty() ? kDefaultBuckets : std::move(buckets));
  families_.emplace(std::string(name), std::move(f));
}

Metrics::Series* Metrics::series_locked(std::string_view name, Type type,
                                        const Labels& labels) {
  auto key = canonical(labels);
  if (!key || !valid_metric_name(name)) return nullptr;
  auto it = families_.find(name);
  if (it == families_.end()) {
    Family f;
    f.type = type;
    if (type == Type::histogram) f.bounds = kDefaultBuckets;
    it = families_.emplace(std::string(name), std::move(f)).first;
  }
  Family& f = it->second;
  if (f.type != type) return nullptr;
  Series& s = f.series[*std::move(key)];
  if (type == Type::histogram && s.bucket_hits.empty()) s.bucket_hits.assign(f.bounds.size() + 1, 0);
  return &s;
}

void Metrics::counter_add(std::string_view name, const Labels& labels, double v) {
  if (!(v >= 0)) return;  // counters only go up; this also refuses NaN
  std::lock_guard lock(mu_);
  if (Series* s = series_locked(name, Type::counter, labels)) s->value += v;
}

void Metrics::gauge_set(std::string_view name, const Labels& labels, double v) {
  std::lock_guard lock(mu_);
  if (Series* s = series_locked(name, Type::gauge, labels)) s->value = v;
}

void Metrics::histogram_observe(std::string_view name, const Labels& labels, double v) {
  std::lock_guard lock(mu_);
  Series* s = series_locked(name, Type::histogram, labels);
  if (!s) return;
  const auto& bounds = families_.find(name)->second.bounds;
  // The first bound >= v (buckets are "less than or equal"); NaN compares false
  // everywhere and counts in +Inf only, as in the Go client.
  size_t i = std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin();
  if (std::isnan(v)) i = bounds.size();
  ++s->bucket_hits[i];
  s->sum += v;
  ++s->count;
}

void Metrics::ensure(std::string_view name, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) series_locked(name, it->second.type, labels);
}

void Metrics::forget(std::string_view key, std::string_view value) {
  std::lock_guard lock(mu_);
  for (auto& [name, f] : families_) {
    std::erase_if(f.series, [&](const auto& entry) {
      for (const auto& [k, v] : entry.first)
        if (k == key && v == value) return true;
      return false;
    });
  }
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out.reserve(4096);
  for (const auto& [name, f] : families_) {
    if (f.series.empty()) continue;
    if (!f.help.empty()) {
      out += "# HELP ";
      out += name;
      out += ' ';
      append_escaped(out, f.help, false);
      out += '\n';
    }
    out += "# TYPE ";
    out += name;
    out += ' ';
    out += type_name(f.type);
    out += '\n';
    for (const auto& [labels, s] : f.series) {
      if (f.type != Type::histogram) {
        append_sample(out, name, "", labels, nullptr, s.value);
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < f.bounds.size(); ++i) {
        cumulative += s.bucket_hits[i];
        std::string le = format_metric_value(f.bounds[i]);
        append_sample(out, name, "_bucket", labels, le.c_str(), static_cast<double>(cumulative));
      }
      append_sample(out, name, "_bucket", labels, "+Inf", static_cast<double>(s.count));
      append_sample(out, name, "_sum", labels, nullptr, s.sum);
      append_sample(out, name, "_count", labels, nullptr, static_cast<double>(s.count));
    }
  }
  return out;
}

void declare_crm_metrics(Metrics& m) {
  using T = Metrics::Type;
  m.declare("crm_index_build_info", T::gauge, "Always 1; the labels say which build this is.");
  // Counters, per source unless noted.
  m.declare("crm_index_runs_total", T::counter,
            "Sync runs finished, by source and status (ok, failed or skipped).");
  m.declare("crm_index_records_fetched_total", T::counter,
            "Records read from the CRM, changed or not.");
  m.declare("crm_index_records_created_total", T::counter,
            "Records seen for the first time and written to the index.");
  m.declare("crm_index_records_updated_total", T::counter,
            "Records whose mapped fields changed and were rewritten.");
  m.declare("crm_index_records_deleted_total", T::counter,
            "Records turned into tombstones (deleted in the CRM or missing from a full pass).");
  m.declare("crm_index_records_skipped_total", T::counter,
            "Records that could not be mapped (missing id, bad timestamp) and were skipped.");
  m.declare("crm_index_records_truncated_total", T::counter,
            "Records stored cut to the index's limits (over-long fields, NUL bytes).");
  m.declare("crm_index_api_requests_total", T::counter,
            "Requests served by the API, by route and HTTP status.");
  m.declare("crm_index_http_requests_total", T::counter,
            "Requests sent to the source's CRM (every attempt, token requests too), by HTTP status code "
            "(\"error\": no answer: refused, reset, timed out).");
  m.declare("crm_index_http_retries_total", T::counter,
            "Requests to the source's CRM sent again after a 429, a 5xx, a timeout or a reset.");
  m.declare("crm_index_http_throttled_total", T::counter,
            "Answers 429 (too many requests) from the source's CRM.");

  // Gauges.
  m.declare("crm_index_database_size_bytes", T::gauge, "Bytes of the index file and its write-ahead log.");
  m.declare("crm_index_disk_free_bytes", T::gauge, "Bytes free to the daemon on the index's file system.");
  m.declare("crm_index_disk_size_bytes", T::gauge, "Bytes of the index's file system.");
  m.declare("crm_index_source_interval_seconds", T::gauge,
            "The source's poll interval: staleness above a few of these means it is behind.");
  m.declare("crm_index_last_success_timestamp_seconds", T::gauge,
            "Unix time at which the last successful run of the source ended.");
  m.declare("crm_index_last_run_duration_seconds", T::gauge,
            "Duration of the last run of the source, successful or not.");
  m.declare("crm_index_consecutive_failures", T::gauge,
            "Runs of the source that failed in a row since the last success.");
  m.declare("crm_index_records", T::gauge, "Live (not deleted) records of the source in the index.");
  m.declare("crm_index_staleness_seconds", T::gauge,
            "Seconds since the last successful run of the source.");
  m.declare("crm_index_source_up", T::gauge, "1 if the last run of the source succeeded, else 0.");
  m.declare("crm_index_source_needs_attention", T::gauge,
            "1 while the CRM refuses the source (credentials, permissions, configuration), else 0.");
  m.declare("crm_index_config_last_reload_successful", T::gauge,
            "1 if the last configuration (re)load succeeded, else 0.");
  m.declare("crm_index_config_last_reload_success_timestamp_seconds", T::gauge,
            "Unix time of the last successful configuration (re)load.");
  // Events out (src/outputs), by output ("nats" or a webhook's name).
  m.declare("crm_index_output_lag_events", T::gauge, "Change-feed events the output has not delivered yet.");
  m.declare("crm_index_output_delivered_total", T::counter, "Events the output took (a 2xx, a stream ack).");
  m.declare("crm_index_output_failures_total", T::counter, "Delivery attempts that failed (retried or dead-lettered).");
  m.declare("crm_index_output_dead_letters", T::gauge, "Events given up on after max_attempts, until replayed.");

  // Histograms. The API's long-polls (/v1/changes?wait=) land in +Inf by design: their
  // duration is the client's wait, not the server's latency.
  m.declare("crm_index_api_request_duration_seconds", T::histogram,
            "Time to answer an API request, by route.",
            {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  m.declare("crm_index_hints_total", T::counter,
            "Hints received on the hints listener, by source and result (accepted, rejected, coalesced).");
  m.declare("crm_index_hint_to_index_seconds", T::histogram,
            "From a hint's arrival to the end of the run that read after it, by source.",
            {0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300});
  // Live reads (src/live), by source.
  m.declare("crm_index_live_reads_total", T::counter,
            "Live reads asked of the API, by source and result (fetched, cached, shared, busy, rate_limited, "
            "failed).");
  m.declare("crm_index_live_repairs_total", T::counter,
            "Index rows a live read found out of date, by source and outcome (updated, deleted).");
  m.declare("crm_index_live_read_seconds", T::histogram, "Time of a live read's request to its CRM, by source.",
            {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30});
  m.declare("crm_index_run_duration_seconds", T::histogram, "Duration of sync runs, by source.",
            {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600});
}

}  // namespace crm
