// Mann-Whitney U test (Wilcoxon rank-sum), two-sided.
#pragma once

#include <cstddef>
#include <span>

namespace moat::bench::stats {

enum class MannWhitneyMethod {
  automatic,   // exact when both n < 50 and there are no ties (R's wilcox.test rule), else asymptotic
  exact,       // exact null distribution; throws moat::Error (invalid) when there are ties
  asymptotic,  // normal approximation with tie and continuity corrections
};

struct MannWhitneyResult {
  std::size_t n_baseline = 0;
  std::size_t n_candidate = 0;
  // U of the candidate sample: the number of (candidate, baseline) pairs where
  // the candidate value is larger, ties counting 1/2. u_candidate + u_baseline = n1 n2.
  double u_candidate = 0;
  double u_baseline = 0;
  double z = 0;  // the corrected normal score (asymptotic only; 0 for exact)
  double p_value = 1;
  bool exact = false;
  bool ties = false;
  // u_candidate / (n1 n2): P(candidate > baseline) + P(equal) / 2, the
  // "common-language effect size" (McGraw & Wong 1992). 0.5 = no shift.
  double probability_of_superiority = 0.5;
};

// Throws moat::Error (invalid) when a sample is empty or holds a non-finite value.
MannWhitneyResult mann_whitney_u(std::span<const double> baseline, std::span<const double> candidate,
                                 MannWhitneyMethod method = MannWhitneyMethod::automatic);

}  // namespace moat::bench::stats
