// Mann-Whitney U against worked examples. Exact p-values were recomputed by
// brute-force enumeration of all label assignments with Python's fractions
// module; asymptotic ones with a separate Python implementation of the
// tie-corrected normal approximation with continuity correction.
#include <moat/bench/stats/mann_whitney.hpp>
#include <moat/error.hpp>

#include <gtest/gtest.h>

namespace st = moat::bench::stats;

namespace {
// Hollander & Wolfe (1973), p. 69f, the example in R's ?wilcox.test:
// wilcox.test(x, y, alternative = "greater") gives W = 35, p-value = 0.1272.
const std::vector<double> kHwX = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
const std::vector<double> kHwY = {1.15, 0.88, 0.90, 0.74, 1.21};
}  // namespace

TEST(MannWhitney, HollanderWolfeExact) {
  const st::MannWhitneyResult r = st::mann_whitney_u(kHwY, kHwX);  // baseline y, candidate x
  EXPECT_TRUE(r.exact);
  EXPECT_FALSE(r.ties);
  EXPECT_DOUBLE_EQ(r.u_candidate, 35.0);
  EXPECT_DOUBLE_EQ(r.u_baseline, 15.0);
  // Two-sided = 2 x R's one-sided 0.1272; enumeration: 764/3003.
  EXPECT_NEAR(r.p_value, 764.0 / 3003.0, 1e-12);
  EXPECT_NEAR(r.probability_of_superiority, 0.7, 1e-12);
}

TEST(MannWhitney, HollanderWolfeAsymptotic) {
  const st::MannWhitneyResult r = st::mann_whitney_u(kHwY, kHwX, st::MannWhitneyMethod::asymptotic);
  EXPECT_FALSE(r.exact);
  EXPECT_NEAR(r.z, 1.1635076278220096, 1e-12);
  EXPECT_NEAR(r.p_value, 0.24462360512698333, 1e-12);
}

TEST(MannWhitney, SmallExactTail) {
  const std::vector<double> b = {3.1, 4.7, 2.2, 5.9, 3.8, 4.1};
  const std::vector<double> c = {6.3, 5.2, 7.7, 4.9, 6.8, 8.1, 5.5};
  const st::MannWhitneyResult r = st::mann_whitney_u(b, c);
  EXPECT_DOUBLE_EQ(r.u_candidate, 39.0);
  EXPECT_NEAR(r.p_value, 7.0 / 858.0, 1e-14);
  // Symmetric: swapping the samples mirrors U and keeps p.
  const st::MannWhitneyResult s = st::mann_whitney_u(c, b);
  EXPECT_DOUBLE_EQ(s.u_candidate, 3.0);
  EXPECT_NEAR(s.p_value, r.p_value, 1e-15);
}

TEST(MannWhitney, LargerExactAgainstRecursiveCount) {
  // 12 vs 11, U = 123; reference from the recurrence
  // N(m, n, u) = N(m, n-1, u-m) + N(m-1, n, u) in exact integer arithmetic.
  const std::vector<double> b = {101.2, 99.8, 100.5, 102.3, 98.9, 100.1, 101.7, 99.2, 100.9, 103.1, 98.4, 100.0};
  const std::vector<double> c = {102.9, 104.1, 101.5, 103.8, 105.2, 102.2, 104.6, 103.3, 101.9, 106.0, 103.0};
  const st::MannWhitneyResult r = st::mann_whitney_u(b, c);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u_candidate, 123.0);
  EXPECT_NEAR(r.p_value, 0.00014348284640383174, 1e-15);
}

TEST(MannWhitney, ExactFortyByForty) {
  // 40 vs 40: baseline 0, 2, ..., 78; every candidate lies just above 26, so
  // each is above 14 baseline values and U = 40 x 14 = 560 (no ties).
  // Reference p from the exact recursive count: 0.02061151208489757.
  std::vector<double> b, c;
  for (int i = 0; i < 40; ++i) {
    b.push_back(2.0 * i);
    c.push_back(27.0 + 0.001 * i);
  }
  const st::MannWhitneyResult r = st::mann_whitney_u(b, c);
  ASSERT_DOUBLE_EQ(r.u_candidate, 560.0);
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.p_value, 0.02061151208489757, 1e-13);
}

TEST(MannWhitney, TiesUseNormalApproximationWithTieCorrection) {
  const std::vector<double> b = {12, 15, 15, 18, 20, 20, 20, 22, 25, 27};
  const std::vector<double> c = {18, 20, 24, 24, 26, 28, 28, 30, 31, 35, 35};
  const st::MannWhitneyResult r = st::mann_whitney_u(b, c);
  EXPECT_FALSE(r.exact);
  EXPECT_TRUE(r.ties);
  EXPECT_DOUBLE_EQ(r.u_candidate, 94.0);
  EXPECT_NEAR(r.z, 2.72438893735223, 1e-12);
  EXPECT_NEAR(r.p_value, 0.006442059300839828, 1e-12);
  EXPECT_THROW(st::mann_whitney_u(b, c, st::MannWhitneyMethod::exact), moat::Error);
}

TEST(MannWhitney, IdenticalSamplesGiveOne) {
  const std::vector<double> x = {5, 5, 5, 5};
  EXPECT_DOUBLE_EQ(st::mann_whitney_u(x, x).p_value, 1.0);
  const std::vector<double> y = {1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(st::mann_whitney_u(y, y).p_value, 1.0);
}

TEST(MannWhitney, RejectsEmpty) {
  EXPECT_THROW(st::mann_whitney_u(std::vector<double>{}, std::vector<double>{1}), moat::Error);
}
