// `moat compare BASE NEW`: per (runtime, scenario, metric) present in either
// run, the change of the median, whether it is statistically significant, and
// whether it is a regression. The rule (Firecracker's tools/ab_test.py):
// significant = p < alpha AND |relative change| > noise floor; a regression is
// a significant change in the metric's bad direction larger than the threshold.
#pragma once

#include <moat/bench/report/results.hpp>
#include <moat/bench/stats/bootstrap.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::bench {

enum class SignificanceTest { mann_whitney, permutation };

struct CompareOptions {
  double alpha = 0.01;        // p-value below which a change can be significant
  double noise_floor = 0.05;  // |relative change| at or below this is never significant
  double threshold = 0.05;    // `--threshold PCT` / 100: regressions smaller than this pass
  SignificanceTest test = SignificanceTest::mann_whitney;
  std::size_t permutations = 9999;  // permutation test only
  std::size_t bootstrap_resamples = 2000;
  double confidence = 0.95;
  std::uint64_t seed = 0;  // permutation test and ratio CI; derived per metric
};

enum class ChangeKind {
  unchanged,     // not significant (or too few samples to say)
  improved,      // significant, good direction
  worse,         // significant, bad direction, within the threshold
  regressed,     // significant, bad direction, beyond the threshold
  failed,        // NEW has no successful sample where BASE had some: counts as a regression
  fixed,         // BASE had no successful sample, NEW has some
  only_in_base,  // not measured in NEW
  only_in_new,   // not measured in BASE
};
std::string_view to_string(ChangeKind k) noexcept;

struct MetricComparison {
  std::string runtime;
  std::string scenario;
  std::string metric;
  std::string unit;
  Direction direction = Direction::lower_is_better;
  std::size_t n_base = 0;  // measured successful samples
  std::size_t n_new = 0;
  double error_rate_base = 0;
  double error_rate_new = 0;
  std::optional<double> median_base;
  std::optional<double> median_new;
  std::optional<double> change;          // (median_new - median_base) / median_base
  std::optional<stats::Interval> ratio;  // median_new / median_base with bootstrap CI
  std::optional<double> p_value;
  std::string test;  // "mann-whitney (exact)", "mann-whitney (normal approx.)", "permutation"
  bool significant = false;
  ChangeKind kind = ChangeKind::unchanged;
  std::string note;  // e.g. "n < 9: Mann-Whitney has little power"
};

struct Comparison {
  CompareOptions options;
  std::string base_run_id;
  std::string new_run_id;
  std::vector<MetricComparison> metrics;  // NEW's declaration order, then BASE-only metrics
  std::size_t regressions = 0;            // regressed + failed
  std::size_t improvements = 0;
  bool regression = false;            // the CLI exits non-zero when true
  std::vector<std::string> warnings;  // host or version differences between the runs, incomplete runs
};

// Throws moat::Error (invalid) on options out of range.
Comparison compare(const Results& base, const Results& now, const CompareOptions& options = {});

nlohmann::json to_json(const Comparison& c);

}  // namespace moat::bench
