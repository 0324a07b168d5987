// Metrics: a small Prometheus registry (counters, gauges, histograms with labels) and
// its text exposition format (version 0.0.4). Names follow Prometheus conventions:
// crm_index_…_total for counters, _seconds for durations. Thread-safe: every member
// takes one internal mutex, so any thread may update while another renders /metrics.
// Owned by the daemon and shared by reference with the scheduler and the API.
//
// Series are keyed by their label set with the labels sorted by name, so {a,b} and {b,a}
// are one series. A call whose type does not match the family's declared type, a
// negative counter increment, or an invalid metric or label name is ignored: metrics
// never take the daemon down, and the exposition always stays parseable.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crm {

class Metrics {
 public:
  enum class Type { counter, gauge, histogram };
  using Labels = std::vector<std::pair<std::string, std::string>>;

  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Declares a family once (help text, type, histogram buckets). Using an undeclared
  // name declares it without help text (histograms then get Prometheus' default
  // buckets). Buckets are upper bounds; they are sorted, and +Inf is always added.
  void declare(std::string_view name, Type type, std::string_view help,
               std::vector<double> buckets = {});

  void counter_add(std::string_view name, const Labels& labels, double v = 1);
  void gauge_set(std::string_view name, const Labels& labels, double v);
  // Removes every series of a family whose labels include {key: value} (a removed source).
  void forget(std::string_view key, std::string_view value);
  void histogram_observe(std::string_view name, const Labels& labels, double v);
  // Creates the series at zero (an empty histogram) when it is missing, so that it is
  // there from the first scrape; leaves an existing one as it is. Of a declared family.
  void ensure(std::string_view name, const Labels& labels);

  // The text exposition format 0.0.4: families sorted by name, series by label values,
  // "# HELP" and "# TYPE" before each family. Families without any series are left out.
  std::string render() const;

 private:
  struct Series;
  struct Family;
  // The series of `name` with `labels`, created (with the family) when missing; nullptr
  // when the name or a label name is invalid or the family has another type. mu_ held.
  Series* series_locked(std::string_view name, Type type, const Labels& labels);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
};

// A sample value as the text format writes it: integers without exponent or fraction
// while exact (|v| < 2^53), other values in the shortest form that reads back the same,
// "+Inf", "-Inf", "NaN".
std::string format_metric_value(double v);

// Declares every family crm-index uses (see the implementation for the list).
void declare_crm_metrics(Metrics& m);

}  // namespace crm
