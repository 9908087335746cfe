// The harness's figures from a `moat bench` results file (--results): the
// boot figure per runtime (used instead of the live boot probe) and every
// other metric's median and ratio to its baseline (shown with the ranking).
#pragma once

#include <moat/matrix/model.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::matrix {

struct BootFigure {
  double median_ms = 0;
  std::size_t n = 0;
  std::string metric;  // "boot/total", ...
  std::optional<double> ci_low;
  std::optional<double> ci_high;
  bool noisy = false;
};

struct HarnessFigures {
  std::string source;                      // the file
  std::string run_id;                      // the results' run
  std::map<std::string, BootFigure> boot;  // by results runtime id
  std::map<std::string, nlohmann::json>
      figures;  // by results runtime id: [{scenario, metric, unit, median, n, ratio, ...}]
  std::vector<std::string> warnings;
};

// Throws moat::Error (not-found, invalid) as the results reader does.
HarnessFigures read_harness_figures(const std::filesystem::path& results);

// The results' runtime id for a column: the column's own id when the results
// have it, else its runtime's (only for a column that is the runtime as
// shipped, not a DinD variant). Empty when the results have neither.
std::string results_id_for(const Column& column, const HarnessFigures& figures);

// Fills the boot-time cell from the results; false when they have no boot
// figure for this column (then the live probe runs).
bool boot_from_results(const Column& column, const HarnessFigures& figures, Cell& cell);

}  // namespace moat::matrix
