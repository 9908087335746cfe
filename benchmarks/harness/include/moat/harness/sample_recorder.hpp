// The scenarios' one way to record results. It wraps the ResultsWriter (so
// every sample reaches results.jsonl as it completes), remembers which
// metrics a runtime cannot measure (not supported: never a zero, never an
// error), and hands out one SampleScope per unit of work, which guarantees
// every metric of that unit ends up recorded: a value, a failure with its
// reason, or excluded as unsupported. Nothing is silently dropped.
//
// Thread-safe (density records from several threads).
#pragma once

#include <moat/bench/report/metric.hpp>
#include <moat/bench/report/results_writer.hpp>
#include <moat/harness/progress.hpp>

#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace moat::harness {

class SampleRecorder;

// The metrics of one scenario on one runtime in one repetition.
class SampleScope {
 public:
  SampleScope(SampleRecorder& recorder, std::string runtime, std::string scenario, int repetition, bool warmup);
  SampleScope(const SampleScope&) = delete;
  SampleScope& operator=(const SampleScope&) = delete;

  [[nodiscard]] const std::string& runtime() const { return runtime_; }
  [[nodiscard]] const std::string& scenario() const { return scenario_; }
  [[nodiscard]] int repetition() const { return repetition_; }
  [[nodiscard]] bool warmup() const { return warmup_; }

  // Records a value / a failure now (ignored when the metric is unsupported
  // on this runtime; a second record of the same metric in one scope throws
  // moat::Error(internal): a scenario bug).
  void value(const std::string& metric, double v);
  void failure(const std::string& metric, const std::string& reason);
  // Every declared metric of the scenario not recorded yet and not
  // unsupported gets a failure with `reason`.
  void fail_remaining(const std::string& reason);
  [[nodiscard]] bool recorded(const std::string& metric) const { return done_.contains(metric); }
  // The declared, supported metrics of this scope not recorded yet.
  [[nodiscard]] std::vector<std::string> remaining() const;

  [[nodiscard]] const std::vector<RecordedValue>& values() const { return values_; }
  [[nodiscard]] std::size_t failed() const { return failed_; }
  [[nodiscard]] const std::string& first_error() const { return first_error_; }

 private:
  bool claim(const std::string& metric);  // false: unsupported

  SampleRecorder& recorder_;
  std::string runtime_;
  std::string scenario_;
  int repetition_;
  bool warmup_;
  std::set<std::string> done_;
  std::vector<RecordedValue> values_;
  std::size_t failed_ = 0;
  std::string first_error_;
};

class SampleRecorder {
 public:
  SampleRecorder(bench::ResultsWriter& writer, Progress* progress);

  void declare(const std::vector<bench::MetricInfo>& metrics);
  // The declared metrics of a scenario, in declaration order.
  [[nodiscard]] std::vector<bench::MetricInfo> metrics_of(const std::string& scenario) const;
  [[nodiscard]] bench::MetricInfo metric(const std::string& scenario, const std::string& metric) const;

  // `metric` empty = the whole scenario. Recorded once per (runtime,
  // scenario, metric); a repeat is ignored.
  void unsupported(const std::string& runtime, const std::string& scenario, const std::string& metric,
                   const std::string& reason);
  [[nodiscard]] bool is_unsupported(const std::string& runtime, const std::string& scenario,
                                    const std::string& metric) const;

  // Counts over the whole run.
  [[nodiscard]] std::size_t samples() const;
  [[nodiscard]] std::size_t failures() const;
  [[nodiscard]] std::size_t unsupported_count() const;

  [[nodiscard]] bench::ResultsWriter& writer() { return writer_; }
  [[nodiscard]] Progress* progress() const { return progress_; }

 private:
  friend class SampleScope;
  void write_value(const SampleScope& s, const std::string& metric, double v);
  void write_failure(const SampleScope& s, const std::string& metric, const std::string& reason);

  bench::ResultsWriter& writer_;
  Progress* progress_;
  mutable std::mutex mutex_;
  std::vector<bench::MetricInfo> metrics_;
  std::set<std::tuple<std::string, std::string, std::string>> unsupported_;  // runtime, scenario, metric ("" = all)
  std::size_t samples_ = 0;
  std::size_t failures_ = 0;
};

}  // namespace moat::harness
