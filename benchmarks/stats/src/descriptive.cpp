#include <moat/bench/stats/descriptive.hpp>

#include <moat/bench/stats/quantile.hpp>

#include "validate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace moat::bench::stats {

namespace {

constexpr double kNormalMadFactor = 0.6745;       // Phi^-1(0.75): MAD / 0.6745 estimates sigma
constexpr double kNormalMeanAdFactor = 1.253314;  // sqrt(pi / 2): MeanAD * 1.253314 estimates sigma

}  // namespace

std::vector<double> modified_z_scores(std::span<const double> sample) {
  detail::require_sample(sample, "modified z-scores");
  const double med = median(sample);
  std::vector<double> dev(sample.size());
  std::transform(sample.begin(), sample.end(), dev.begin(), [med](double x) { return std::fabs(x - med); });
  const double mad = median(dev);
  std::vector<double> z(sample.size(), 0.0);
  if (mad > 0) {
    for (std::size_t i = 0; i < sample.size(); ++i) z[i] = kNormalMadFactor * (sample[i] - med) / mad;
    return z;
  }
  double mean_ad = 0;
  for (double d : dev) mean_ad += d;
  mean_ad /= static_cast<double>(dev.size());
  if (mean_ad > 0) {
    for (std::size_t i = 0; i < sample.size(); ++i) z[i] = (sample[i] - med) / (kNormalMeanAdFactor * mean_ad);
  }
  return z;
}

Summary describe(std::span<const double> sample, const DescribeOptions& options) {
  detail::require_sample(sample, "describe");
  std::vector<double> sorted(sample.begin(), sample.end());
  std::sort(sorted.begin(), sorted.end());

  Summary s;
  s.n = sorted.size();
  s.min = sorted.front();
  s.max = sorted.back();
  s.median = quantile_sorted(sorted, 0.5);
  s.p95 = quantile_sorted(sorted, 0.95);

  // Two-pass mean and variance: the one-pass formula loses digits when the
  // spread is small relative to the values (boot times in ns, for example).
  double sum = 0;
  for (double x : sorted) sum += x;
  s.mean = sum / static_cast<double>(s.n);
  if (s.n >= 2) {
    double ss = 0;
    for (double x : sorted) ss += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(ss / static_cast<double>(s.n - 1));
  } else {
    s.stddev = std::numeric_limits<double>::quiet_NaN();
  }
  if (s.mean != 0) {
    s.cov = s.stddev / std::fabs(s.mean);
  } else {
    s.cov = (s.n >= 2 && s.stddev == 0) ? 0.0 : std::numeric_limits<double>::quiet_NaN();
  }

  std::vector<double> dev(sorted.size());
  std::transform(sorted.begin(), sorted.end(), dev.begin(), [&](double x) { return std::fabs(x - s.median); });
  s.mad = median(dev);

  const std::vector<double> z = modified_z_scores(sample);
  for (std::size_t i = 0; i < z.size(); ++i) {
    if (std::fabs(z[i]) > options.outlier_z) s.outliers.push_back(i);
  }
  return s;
}

bool is_noisy(const Summary& summary, double threshold) {
  if (summary.n < 2 || std::isnan(summary.cov)) return true;
  return summary.cov > threshold;
}

}  // namespace moat::bench::stats
