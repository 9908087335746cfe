// Sample quantiles. One definition everywhere in moat: Hyndman & Fan (1996)
// type 7, the default of R's quantile() and numpy.percentile, so a reader can
// reproduce every p95 with the tool they already have.
#pragma once

#include <span>
#include <vector>

namespace moat::bench::stats {

// Type-7 quantile of an ascending-sorted, non-empty sample:
//   h = (n - 1) p,  Q(p) = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
// Throws moat::Error (invalid) on an empty sample or p outside [0, 1].
double quantile_sorted(std::span<const double> sorted, double p);

// Same, for a sample in any order (copies and sorts).
double quantile(std::span<const double> sample, double p);

// The median is the type-7 quantile at 0.5 (the usual mean of the two middle
// values for even n).
double median(std::span<const double> sample);

// Median that reorders `scratch` in place (no allocation); used in resampling loops.
double median_in_place(std::vector<double>& scratch);

}  // namespace moat::bench::stats
