#include <moat/bench/stats/permutation.hpp>

#include <moat/bench/stats/quantile.hpp>
#include <moat/bench/stats/random.hpp>

#include "validate.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace moat::bench::stats {

PermutationResult permutation_test_median_difference(std::span<const double> baseline,
                                                     std::span<const double> candidate,
                                                     const PermutationOptions& options) {
  detail::require_sample(baseline, "permutation test (baseline)");
  detail::require_sample(candidate, "permutation test (candidate)");
  if (options.permutations == 0) throw moat::Error(MOAT_E_INVALID, "permutation test: permutations must be > 0");

  PermutationResult res;
  res.observed = median(candidate) - median(baseline);
  res.permutations = options.permutations;
  res.seed = options.seed;

  std::vector<double> pooled(baseline.begin(), baseline.end());
  pooled.insert(pooled.end(), candidate.begin(), candidate.end());
  const auto nb = static_cast<std::ptrdiff_t>(baseline.size());

  // A permuted difference equal to the observed one must count as "as
  // extreme" even when rounding differs in the last bit.
  const double bar = std::fabs(res.observed) * (1.0 - 1e-12);

  Rng rng(options.seed);
  std::vector<double> a;
  std::vector<double> b;
  for (std::size_t i = 0; i < options.permutations; ++i) {
    rng.shuffle(pooled);
    a.assign(pooled.begin(), pooled.begin() + nb);
    b.assign(pooled.begin() + nb, pooled.end());
    const double d = median_in_place(b) - median_in_place(a);
    if (std::fabs(d) >= bar) ++res.extreme;
  }
  res.p_value = (1.0 + static_cast<double>(res.extreme)) / (1.0 + static_cast<double>(options.permutations));
  return res;
}

}  // namespace moat::bench::stats
