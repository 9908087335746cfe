// CSV (RFC 4180, header row, full-precision numbers, empty cell = not available).
#pragma once

#include <moat/bench/report/analysis.hpp>
#include <moat/bench/report/compare.hpp>
#include <moat/bench/report/results.hpp>

#include <string>

namespace moat::bench {

// One row per (scenario, metric, runtime) summary.
std::string render_summary_csv(const Analysis& analysis);
// One row per raw sample, warm-ups and failures included.
std::string render_samples_csv(const Results& results);
// One row per compared metric.
std::string render_compare_csv(const Comparison& comparison);

// The column names, in order (tests and documentation use them).
const std::vector<std::string>& summary_csv_columns();
const std::vector<std::string>& samples_csv_columns();

}  // namespace moat::bench
