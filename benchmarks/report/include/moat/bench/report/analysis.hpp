// Turns raw results into what reports show: per (scenario, metric, runtime)
// descriptive statistics over the measured (non-warm-up) successful samples,
// the error rate, a bootstrap CI of the median, the ratio to the scenario's
// baseline runtime with its bootstrap CI, the noisy flag and a rank.
#pragma once

#include <moat/bench/report/results.hpp>
#include <moat/bench/stats/bootstrap.hpp>
#include <moat/bench/stats/descriptive.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::bench {

// host for cpu and io (overhead against no isolation), runc for boot, build
// and density (the plain-container reference).
std::map<std::string, std::string> default_baselines();

struct AnalysisOptions {
  std::map<std::string, std::string> baselines = default_baselines();  // scenario -> runtime
  std::string default_baseline = "runc";                               // scenarios not in `baselines`
  double noisy_cov = 0.10;                                             // CoV above this: noisy, not ranked
  double outlier_z = 3.5;                                              // modified z-score threshold
  std::size_t bootstrap_resamples = 2000;
  double confidence = 0.95;
  // Base seed of every bootstrap; default: the run's manifest seed. Each
  // summary's CI uses derive_seed(seed, "runtime|scenario|metric|kind").
  std::optional<std::uint64_t> seed;
};

struct MetricSummary {
  std::string scenario;
  std::string metric;
  std::string runtime;
  std::string unit;
  Direction direction = Direction::lower_is_better;

  std::size_t n_warmup = 0;                   // warm-up samples seen (excluded from everything below)
  std::size_t n_ok = 0;                       // measured samples that succeeded: the statistics' n
  std::size_t n_failed = 0;                   // measured samples that failed
  double error_rate = 0;                      // n_failed / (n_ok + n_failed)
  std::map<std::string, std::size_t> errors;  // distinct error message -> count

  std::vector<double> values;                // the n_ok values, in completion order
  std::optional<stats::Summary> stats;       // absent when n_ok == 0
  std::optional<stats::Interval> median_ci;  // bootstrap CI of the median
  bool noisy = false;                        // stats::is_noisy(stats, noisy_cov); also true when n_ok < 2

  std::string baseline;                  // the scenario's baseline runtime
  bool is_baseline = false;              // this row is the baseline itself
  std::optional<stats::Interval> ratio;  // median / baseline median, bootstrap CI
  std::string ratio_note;                // why there is no ratio (baseline missing, failed, ...)
  // 1 = best median among the non-noisy runtimes of this metric (direction
  // aware); absent for noisy or failed rows.
  std::optional<int> rank;
};

struct Analysis {
  Manifest manifest;
  std::vector<MetricInfo> metrics;
  AnalysisOptions options;
  std::uint64_t seed = 0;  // the base seed actually used
  // Ordered by metric declaration, then baseline first, then runtime id.
  std::vector<MetricSummary> summaries;
  std::vector<Unsupported> unsupported;
  bool complete = true;
  std::vector<std::string> warnings;

  [[nodiscard]] std::vector<std::string> scenarios() const;  // declaration order
  [[nodiscard]] std::vector<const MetricSummary*> for_metric(const std::string& scenario,
                                                             const std::string& metric) const;
  [[nodiscard]] const MetricSummary* find(const std::string& scenario, const std::string& metric,
                                          const std::string& runtime) const;
  [[nodiscard]] std::string baseline_for(const std::string& scenario) const;
};

Analysis analyze(const Results& results, const AnalysisOptions& options = {});

// Machine-readable analysis (`moat report --format json`): the same numbers
// the other writers show; non-finite numbers become null.
nlohmann::json to_json(const Analysis& analysis);

}  // namespace moat::bench
