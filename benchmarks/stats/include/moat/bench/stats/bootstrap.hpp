// Percentile bootstrap confidence intervals (Efron & Tibshirani 1993, ch. 13).
// Resampling uses moat::bench::stats::Rng, so an interval is reproducible from
// (data, resamples, confidence, seed) on any platform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace moat::bench::stats {

struct BootstrapOptions {
  std::size_t resamples = 2000;  // B
  double confidence = 0.95;      // the interval covers this central mass
  std::uint64_t seed = 0;
};

struct Interval {
  double estimate = 0;  // the statistic on the original data
  double lower = 0;     // type-7 quantile (1 - confidence) / 2 of the B replicates
  double upper = 0;     // type-7 quantile (1 + confidence) / 2 of the B replicates
  double confidence = 0.95;
  std::size_t resamples = 0;
  std::uint64_t seed = 0;
};

// CI of the median of one sample. Throws moat::Error (invalid) on an empty
// sample, resamples == 0 or confidence outside (0, 1).
Interval bootstrap_median_ci(std::span<const double> sample, const BootstrapOptions& options);

// CI of median(candidate) / median(baseline). Each replicate resamples both
// groups independently, with replacement, at their own sizes. Throws
// moat::Error (invalid) when the baseline median is 0 (the ratio is undefined).
// A replicate whose baseline median is 0 counts as +infinity, so the upper
// bound may be infinite for a baseline sample that is mostly zeros.
Interval bootstrap_ratio_of_medians(std::span<const double> baseline, std::span<const double> candidate,
                                    const BootstrapOptions& options);

}  // namespace moat::bench::stats
