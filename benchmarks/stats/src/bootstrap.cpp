#include <moat/bench/stats/bootstrap.hpp>

#include <moat/bench/stats/quantile.hpp>
#include <moat/bench/stats/random.hpp>

#include "validate.hpp"

#include <algorithm>
#include <limits>
#include <vector>

namespace moat::bench::stats {

namespace {

void check_options(const BootstrapOptions& o) {
  if (o.resamples == 0) throw moat::Error(MOAT_E_INVALID, "bootstrap: resamples must be > 0");
  if (!(o.confidence > 0.0 && o.confidence < 1.0)) {
    throw moat::Error(MOAT_E_INVALID, "bootstrap: confidence must be in (0, 1)");
  }
}

void resample(Rng& rng, std::span<const double> from, std::vector<double>& into) {
  into.resize(from.size());
  for (double& v : into) v = from[rng.below(from.size())];
}

Interval percentile_interval(std::vector<double>& replicates, double estimate, const BootstrapOptions& o) {
  std::sort(replicates.begin(), replicates.end());
  Interval ci;
  ci.estimate = estimate;
  ci.lower = quantile_sorted(replicates, (1.0 - o.confidence) / 2.0);
  ci.upper = quantile_sorted(replicates, (1.0 + o.confidence) / 2.0);
  ci.confidence = o.confidence;
  ci.resamples = o.resamples;
  ci.seed = o.seed;
  return ci;
}

}  // namespace

Interval bootstrap_median_ci(std::span<const double> sample, const BootstrapOptions& options) {
  detail::require_sample(sample, "bootstrap median CI");
  check_options(options);
  Rng rng(options.seed);
  std::vector<double> scratch;
  std::vector<double> replicates(options.resamples);
  for (double& r : replicates) {
    resample(rng, sample, scratch);
    r = median_in_place(scratch);
  }
  return percentile_interval(replicates, median(sample), options);
}

Interval bootstrap_ratio_of_medians(std::span<const double> baseline, std::span<const double> candidate,
                                    const BootstrapOptions& options) {
  detail::require_sample(baseline, "bootstrap ratio (baseline)");
  detail::require_sample(candidate, "bootstrap ratio (candidate)");
  check_options(options);
  const double base_median = median(baseline);
  if (base_median == 0) {
    throw moat::Error(MOAT_E_INVALID, "bootstrap ratio: the baseline median is 0, the ratio is undefined");
  }
  const double estimate = median(candidate) / base_median;

  Rng rng(options.seed);
  std::vector<double> scratch;
  std::vector<double> replicates(options.resamples);
  for (double& r : replicates) {
    // Baseline first, then candidate: the order is part of what the seed reproduces.
    resample(rng, baseline, scratch);
    const double b = median_in_place(scratch);
    resample(rng, candidate, scratch);
    const double c = median_in_place(scratch);
    r = b != 0 ? c / b : std::numeric_limits<double>::infinity();
  }
  return percentile_interval(replicates, estimate, options);
}

}  // namespace moat::bench::stats
