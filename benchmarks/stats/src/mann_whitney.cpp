#include <moat/bench/stats/mann_whitney.hpp>

#include "validate.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace moat::bench::stats {

namespace {

struct Ranked {
  double rank_sum_candidate = 0;
  double tie_term = 0;  // sum over tie groups of (t^3 - t)
  bool ties = false;
};

Ranked rank(std::span<const double> baseline, std::span<const double> candidate) {
  struct Item {
    double value;
    bool candidate;
  };
  std::vector<Item> all;
  all.reserve(baseline.size() + candidate.size());
  for (double v : baseline) all.push_back({v, false});
  for (double v : candidate) all.push_back({v, true});
  std::sort(all.begin(), all.end(), [](const Item& a, const Item& b) { return a.value < b.value; });

  Ranked r;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].value == all[i].value) ++j;
    const double t = static_cast<double>(j - i);
    // Ranks i+1 .. j share their mean (midrank).
    const double midrank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k) {
      if (all[k].candidate) r.rank_sum_candidate += midrank;
    }
    if (t > 1) {
      r.ties = true;
      r.tie_term += t * t * t - t;
    }
    i = j;
  }
  return r;
}

// P(U <= k) under H0 for sample sizes m and n, without ties. The number of
// arrangements with U = u is the coefficient of q^u in the Gaussian binomial
// [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i) (Andrews 1976,
// "The Theory of Partitions", 3.3). Coefficient j of every factor step only
// depends on coefficients <= j, so truncating at k is exact and keeps the
// numbers small.
double exact_lower_tail(std::size_t m, std::size_t n, std::size_t k) {
  std::vector<double> c(k + 1, 0.0);
  c[0] = 1.0;
  for (std::size_t i = 1; i <= m; ++i) {
    const std::size_t up = n + i;
    // Multiply by (1 - q^up): descending, so c[j - up] is still the old value.
    for (std::size_t j = k + 1; j-- > up;) c[j] -= c[j - up];
    // Divide by (1 - q^i): ascending, so c[j - i] is already the quotient's.
    for (std::size_t j = i; j <= k; ++j) c[j] += c[j - i];
  }
  // C(m+n, m) as a running product; exact in double well past the sizes a benchmark has.
  double total = 1.0;
  const std::size_t small = std::min(m, n);
  for (std::size_t i = 1; i <= small; ++i) {
    total = total * static_cast<double>(m + n - small + i) / static_cast<double>(i);
  }
  const double count = std::accumulate(c.begin(), c.end(), 0.0);
  return count / total;
}

}  // namespace

MannWhitneyResult mann_whitney_u(std::span<const double> baseline, std::span<const double> candidate,
                                 MannWhitneyMethod method) {
  detail::require_sample(baseline, "Mann-Whitney (baseline)");
  detail::require_sample(candidate, "Mann-Whitney (candidate)");

  const std::size_t n1 = baseline.size();
  const std::size_t n2 = candidate.size();
  const double n1d = static_cast<double>(n1);
  const double n2d = static_cast<double>(n2);
  const Ranked r = rank(baseline, candidate);

  MannWhitneyResult res;
  res.n_baseline = n1;
  res.n_candidate = n2;
  res.ties = r.ties;
  res.u_candidate = r.rank_sum_candidate - n2d * (n2d + 1.0) / 2.0;
  res.u_baseline = n1d * n2d - res.u_candidate;
  res.probability_of_superiority = res.u_candidate / (n1d * n2d);

  bool exact = false;
  switch (method) {
    case MannWhitneyMethod::automatic:
      exact = !r.ties && n1 < 50 && n2 < 50;
      break;
    case MannWhitneyMethod::exact:
      if (r.ties) throw moat::Error(MOAT_E_INVALID, "Mann-Whitney: the exact test needs samples without ties");
      exact = true;
      break;
    case MannWhitneyMethod::asymptotic:
      exact = false;
      break;
  }
  res.exact = exact;

  if (exact) {
    // Without ties U is an integer; the two-sided p doubles the smaller tail.
    const auto k = static_cast<std::size_t>(std::llround(std::min(res.u_candidate, res.u_baseline)));
    res.z = 0;
    res.p_value = std::min(1.0, 2.0 * exact_lower_tail(n1, n2, k));
    return res;
  }

  const double big_n = n1d + n2d;
  const double mu = n1d * n2d / 2.0;
  const double var = n1d * n2d / 12.0 * ((big_n + 1.0) - r.tie_term / (big_n * (big_n - 1.0)));
  if (!(var > 0)) {  // every value equal: no evidence of a shift
    res.z = 0;
    res.p_value = 1.0;
    return res;
  }
  const double d = res.u_candidate - mu;
  const double correction = d > 0 ? 0.5 : (d < 0 ? -0.5 : 0.0);
  res.z = (d - correction) / std::sqrt(var);
  res.p_value = std::min(1.0, std::erfc(std::fabs(res.z) / std::sqrt(2.0)));
  return res;
}

}  // namespace moat::bench::stats
