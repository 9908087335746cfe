// Descriptive statistics of one sample, and MAD-based outlier flags.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace moat::bench::stats {

struct DescribeOptions {
  // Iglewicz & Hoaglin (1993): |M| > 3.5 with M = 0.6745 (x - median) / MAD.
  // hyperfine's rule (src/outlier_detection.rs: |x - median| / MAD > 1.4826 * 10)
  // is the same score with threshold 10 (1.4826 * 0.6745 = 1.0).
  double outlier_z = 3.5;
};

struct Summary {
  std::size_t n = 0;
  double median = 0;  // type-7 quantile at 0.5
  double p95 = 0;     // type-7 quantile at 0.95
  double min = 0;
  double max = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n - 1); NaN when n < 2
  double cov = 0;     // stddev / |mean|; 0 when all values are 0; NaN when undefined
  double mad = 0;     // raw median absolute deviation, median(|x - median|), not scaled
  // Indices (into the input, ascending) of the values whose modified z-score
  // exceeds DescribeOptions::outlier_z.
  std::vector<std::size_t> outliers;
};

// Throws moat::Error (invalid) on an empty sample or a non-finite value.
Summary describe(std::span<const double> sample, const DescribeOptions& options = {});

// M_i = 0.6745 (x_i - median) / MAD. When MAD is 0 (more than half the values
// equal) it falls back to M_i = (x_i - median) / (1.253314 * MeanAD), MeanAD the
// mean absolute deviation from the median (IBM SPSS's documented fallback; 1.253314
// = sqrt(pi/2) makes MeanAD a consistent estimator of sigma for normal data).
// When that is 0 too, every value equals the median and all scores are 0.
std::vector<double> modified_z_scores(std::span<const double> sample);

// The noise rule: a metric whose coefficient of variation exceeds `threshold`
// (or cannot be computed: n < 2, mean 0 with spread) is noisy and not ranked.
bool is_noisy(const Summary& summary, double threshold);

}  // namespace moat::bench::stats
