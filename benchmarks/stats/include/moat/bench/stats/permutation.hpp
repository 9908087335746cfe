// Two-sided permutation test on the difference of medians (the test
// Firecracker's tools/ab_test.py runs on means; medians here, to match the
// rest of moat's robust statistics).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace moat::bench::stats {

struct PermutationOptions {
  std::size_t permutations = 9999;  // R; Firecracker uses 9999
  std::uint64_t seed = 0;
};

struct PermutationResult {
  double observed = 0;  // median(candidate) - median(baseline)
  // (1 + #{|d*| >= |observed|}) / (1 + R) (Phipson & Smyth 2010): never 0,
  // and a valid p-value for a random subset of the permutations.
  double p_value = 1;
  std::size_t extreme = 0;  // #{|d*| >= |observed|}
  std::size_t permutations = 0;
  std::uint64_t seed = 0;
};

// Throws moat::Error (invalid) on an empty sample, a non-finite value or
// permutations == 0.
PermutationResult permutation_test_median_difference(std::span<const double> baseline,
                                                     std::span<const double> candidate,
                                                     const PermutationOptions& options);

}  // namespace moat::bench::stats
