// Quantiles, descriptive statistics and MAD outliers against values computed
// independently with Python's statistics module (stdlib; statistics.quantiles
// with method="inclusive" is Hyndman-Fan type 7) - see the comments per case.
#include <moat/bench/stats/descriptive.hpp>
#include <moat/bench/stats/quantile.hpp>
#include <moat/error.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace st = moat::bench::stats;

namespace {

// Twelve boot times (ms) with two slow ones; expected values from Python 3:
//   statistics.median(x), statistics.quantiles(x, n=20, method="inclusive")[18],
//   statistics.mean(x), statistics.stdev(x), median(|x - median|).
const std::vector<double> kBoot = {281.4, 275.2, 290.1, 279.9, 284.3, 301.7, 277.0, 282.8, 279.1, 355.0, 283.6, 280.2};

}  // namespace

TEST(Quantile, Type7MatchesRAndNumpy) {
  // R: quantile(1:10, 0.95) = 9.55 (type 7 is R's default).
  std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_NEAR(st::quantile(x, 0.95), 9.55, 1e-12);
  EXPECT_DOUBLE_EQ(st::quantile(x, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(st::quantile(x, 1.0), 10.0);
  EXPECT_DOUBLE_EQ(st::quantile(x, 0.5), 5.5);
  EXPECT_NEAR(st::quantile(kBoot, 0.95), 325.685, 1e-9);
}

TEST(Quantile, MedianOddEvenAndInPlace) {
  EXPECT_DOUBLE_EQ(st::median(std::vector<double>{3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(st::median(std::vector<double>{4, 1, 3, 2}), 2.5);
  std::vector<double> scratch = kBoot;
  EXPECT_NEAR(st::median_in_place(scratch), 282.1, 1e-12);
  std::vector<double> one = {7};
  EXPECT_DOUBLE_EQ(st::median_in_place(one), 7.0);
}

TEST(Quantile, RejectsBadInput) {
  EXPECT_THROW(st::quantile(std::vector<double>{}, 0.5), moat::Error);
  EXPECT_THROW(st::quantile(std::vector<double>{1, 2}, 1.5), moat::Error);
  EXPECT_THROW(st::quantile(std::vector<double>{1, 2}, -0.1), moat::Error);
}

TEST(Quantile, InfinityDoesNotBecomeNaN) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> x = {1, 2, inf, inf};
  EXPECT_EQ(st::quantile(x, 0.9), inf);
  EXPECT_DOUBLE_EQ(st::quantile(x, 0.2), 1.6);
}

TEST(Describe, MatchesPythonStatistics) {
  const st::Summary s = st::describe(kBoot);
  EXPECT_EQ(s.n, 12u);
  EXPECT_NEAR(s.median, 282.1, 1e-9);
  EXPECT_NEAR(s.p95, 325.685, 1e-9);
  EXPECT_DOUBLE_EQ(s.min, 275.2);
  EXPECT_DOUBLE_EQ(s.max, 355.0);
  EXPECT_NEAR(s.mean, 289.19166666666666, 1e-9);
  EXPECT_NEAR(s.stddev, 21.86364597114386, 1e-9);
  EXPECT_NEAR(s.cov, 0.075602614083429776, 1e-12);
  EXPECT_NEAR(s.mad, 2.6, 1e-9);
  // 0.6745 (x - 282.1) / 2.6: 301.7 -> 5.08, 355.0 -> 18.91; everything else < 2.1.
  EXPECT_EQ(s.outliers, (std::vector<std::size_t>{5, 9}));
}

TEST(Describe, TextbookStandardDeviation) {
  // Wikipedia "Standard deviation": {2,4,4,4,5,5,7,9} has mean 5, population
  // sd 2, sample sd sqrt(32/7) = 2.1380899352993952.
  const st::Summary s = st::describe(std::vector<double>{2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_NEAR(s.stddev, std::sqrt(32.0 / 7.0), 1e-12);
}

TEST(Describe, SingleValueAndConstantSamples) {
  const st::Summary one = st::describe(std::vector<double>{42});
  EXPECT_EQ(one.n, 1u);
  EXPECT_TRUE(std::isnan(one.stddev));
  EXPECT_TRUE(st::is_noisy(one, 0.10)) << "n < 2 cannot show it is not noisy";
  const st::Summary flat = st::describe(std::vector<double>{5, 5, 5, 5});
  EXPECT_DOUBLE_EQ(flat.stddev, 0.0);
  EXPECT_DOUBLE_EQ(flat.cov, 0.0);
  EXPECT_TRUE(flat.outliers.empty());
  EXPECT_FALSE(st::is_noisy(flat, 0.10));
  const st::Summary zeros = st::describe(std::vector<double>{0, 0, 0});
  EXPECT_DOUBLE_EQ(zeros.cov, 0.0);
}

TEST(Describe, NoisyThreshold) {
  EXPECT_FALSE(st::is_noisy(st::describe(kBoot), 0.10));  // CoV 7.6%
  EXPECT_TRUE(st::is_noisy(st::describe(kBoot), 0.05));
}

TEST(Describe, RejectsEmptyAndNonFinite) {
  EXPECT_THROW(st::describe(std::vector<double>{}), moat::Error);
  EXPECT_THROW(st::describe(std::vector<double>{1, std::nan("")}), moat::Error);
  EXPECT_THROW(st::describe(std::vector<double>{1, std::numeric_limits<double>::infinity()}), moat::Error);
}

// hyperfine's own outlier test cases (sharkdp/hyperfine src/outlier_detection.rs),
// which use threshold 10 on the same score; expected indices recomputed with
// Python for both thresholds.
TEST(Outliers, HyperfineCasesWithIglewiczHoaglinThreshold) {
  auto idx = [](std::vector<double> x, double z) { return st::describe(x, st::DescribeOptions{z}).outliers; };
  using V = std::vector<std::size_t>;
  EXPECT_EQ(idx({-0.2, 0.0, 0.2}, 3.5), V{});
  EXPECT_EQ(idx({-0.2, 0.0, 0.2, 4.0}, 3.5), V{3});
  EXPECT_EQ(idx({0.5, 0.30, 0.29, 0.31, 0.30}, 3.5), V{0});
  const std::vector<double> normal = {2.33269488, 1.42195907, -0.57527698, -0.31293437, 2.2948158,
                                      0.75813273, -1.0712388, -0.96394741, -1.15897446, 1.10976285};
  EXPECT_EQ(idx(normal, 3.5), V{});
  std::vector<double> with_two = normal;
  with_two.push_back(20.0);
  with_two.push_back(-500.0);
  EXPECT_EQ(idx(with_two, 3.5), (V{10, 11}));
  EXPECT_EQ(idx(with_two, 10.0), (V{10, 11}));
}

TEST(Outliers, MadZeroFallsBackToMeanAbsoluteDeviation) {
  // MAD = 0 (seven equal values). MeanAD fallback: M = (x - med) / (1.253314 MeanAD).
  // [10 x7, 100]: MeanAD = 11.25, M(100) = 6.38 -> outlier.
  // [10 x7, 100, 100]: MeanAD = 20, M(100) = 3.59 -> both outliers.
  std::vector<double> a(7, 10.0);
  a.push_back(100.0);
  EXPECT_EQ(st::describe(a).outliers, (std::vector<std::size_t>{7}));
  const std::vector<double> z = st::modified_z_scores(a);
  EXPECT_NEAR(z[7], 90.0 / (1.253314 * 11.25), 1e-9);
  a.push_back(100.0);
  EXPECT_EQ(st::describe(a).outliers, (std::vector<std::size_t>{7, 8}));
}
