// The terminal table: one aligned row per (scenario, metric, runtime), with
// median, p95, CoV, ratio to the baseline [95% CI], n and errors; noisy rows
// are marked and not ranked.
#pragma once

#include <moat/bench/report/analysis.hpp>
#include <moat/bench/report/compare.hpp>

#include <string>

namespace moat::bench {

struct TableOptions {
  bool color = false;  // ANSI colours (the CLI sets this when stdout is a TTY)
};

std::string render_table(const Analysis& analysis, const TableOptions& options = {});
std::string render_table(const Comparison& comparison, const TableOptions& options = {});

}  // namespace moat::bench
