// The HTML report: one self-contained file (inline CSS and SVG, no script, no
// external resource) that opens offline. Every chart is an
//   <svg class="moat-chart" data-chart="bars|boot-phases|ratios" ...>
// drawn server-side, so it renders identically with JavaScript disabled.
#pragma once

#include <moat/bench/report/analysis.hpp>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::bench {

struct HtmlOptions {
  std::string title = "moat benchmark report";
  // The requirements matrix from `moat matrix -o json`, shown as its own
  // section (see matrix_view.hpp for the shape). Bad shape: moat::Error (invalid).
  std::optional<nlohmann::json> matrix;
  // Which scenario's metrics are stacked as boot phases, and in which order.
  std::string boot_scenario = "boot";
  std::vector<std::string> boot_phases = {"create", "start", "ready", "exec", "stop", "remove"};
};

std::string render_html(const Analysis& analysis, const HtmlOptions& options = {});

}  // namespace moat::bench
