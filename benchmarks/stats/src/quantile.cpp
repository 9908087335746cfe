#include <moat/bench/stats/quantile.hpp>

#include <moat/error.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace moat::bench::stats {

double quantile_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty()) throw moat::Error(MOAT_E_INVALID, "quantile of an empty sample");
  if (!(p >= 0.0 && p <= 1.0)) throw moat::Error(MOAT_E_INVALID, "quantile level must be in [0, 1]");
  const double h = static_cast<double>(sorted.size() - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  const double a = sorted[lo];
  const double b = sorted[lo + 1];
  // Equal neighbours (including two infinities) need no interpolation; doing
  // it anyway would turn inf - inf into NaN.
  if (a == b) return a;
  const double frac = h - static_cast<double>(lo);
  if (frac == 0.0) return a;
  return a + frac * (b - a);
}

double quantile(std::span<const double> sample, double p) {
  std::vector<double> sorted(sample.begin(), sample.end());
  std::sort(sorted.begin(), sorted.end());
  return quantile_sorted(sorted, p);
}

double median(std::span<const double> sample) { return quantile(sample, 0.5); }

double median_in_place(std::vector<double>& scratch) {
  if (scratch.empty()) throw moat::Error(MOAT_E_INVALID, "median of an empty sample");
  const std::size_t n = scratch.size();
  const std::size_t mid = n / 2;
  std::nth_element(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(mid), scratch.end());
  const double upper = scratch[mid];
  if (n % 2 == 1) return upper;
  // For even n the lower middle value is the largest of the left half.
  const double lower = *std::max_element(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(mid));
  if (lower == upper) return lower;
  return lower + 0.5 * (upper - lower);
}

}  // namespace moat::bench::stats
