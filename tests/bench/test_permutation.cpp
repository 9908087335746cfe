// Permutation test on the difference of medians against exhaustive
// enumeration (all C(12,6) = 924 splits, Python itertools.combinations).
#include <moat/bench/stats/permutation.hpp>
#include <moat/error.hpp>

#include <gtest/gtest.h>

namespace st = moat::bench::stats;

TEST(Permutation, MatchesExhaustiveEnumeration) {
  const std::vector<double> b = {10.1, 10.4, 9.8, 10.0, 10.3, 10.2};
  const std::vector<double> c = {10.9, 10.6, 11.2, 10.5, 11.0, 10.8};
  const st::PermutationResult r = st::permutation_test_median_difference(b, c, {9999, 42});
  EXPECT_NEAR(r.observed, 0.7, 1e-12);
  // Exhaustive: 12 of 924 splits are at least as extreme -> p = 0.012987.
  // Monte Carlo with R = 9999 has standard error sqrt(p(1-p)/R) ~ 0.0011.
  EXPECT_NEAR(r.p_value, 12.0 / 924.0, 0.005);
  EXPECT_EQ(r.permutations, 9999u);
  EXPECT_EQ(r.seed, 42u);
}

TEST(Permutation, NoDifferenceGivesOne) {
  const std::vector<double> b = {10.1, 10.4, 9.8, 10.0, 10.3, 10.2};
  const std::vector<double> c = {10.2, 10.0, 10.5, 9.9, 10.3, 10.1};
  // Observed median difference is 0: every permutation is as extreme.
  EXPECT_DOUBLE_EQ(st::permutation_test_median_difference(b, c, {999, 1}).p_value, 1.0);
}

TEST(Permutation, ReproducibleAndNeverZero) {
  std::vector<double> b, c;
  for (int i = 0; i < 15; ++i) {
    b.push_back(100 + i * 0.1);
    c.push_back(200 + i * 0.1);
  }
  const auto r1 = st::permutation_test_median_difference(b, c, {2000, 5});
  const auto r2 = st::permutation_test_median_difference(b, c, {2000, 5});
  EXPECT_EQ(r1.p_value, r2.p_value);
  EXPECT_EQ(r1.extreme, 0u);
  EXPECT_DOUBLE_EQ(r1.p_value, 1.0 / 2001.0);  // (1 + 0) / (1 + R), Phipson & Smyth
  EXPECT_THROW(st::permutation_test_median_difference(b, c, {0, 5}), moat::Error);
}
