// Static SVG charts for the HTML report (internal). Drawn here rather than by
// script so the report needs nothing but an HTML renderer, prints, and looks
// the same with JavaScript off. Every chart is an
// <svg class="moat-chart" data-chart=...> whose marks have stable classes
// (rect.bar, line.whisker, rect.segment, rect.ratio-bar) for tests.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moat::bench::detail {

struct BarDatum {
  std::string label;             // runtime
  std::optional<double> value;   // median; absent = no successful samples
  std::optional<double> lo, hi;  // whisker (CI of the median)
  bool baseline = false;
  bool noisy = false;
  std::string value_text;  // printed right of the bar
  std::string tooltip;     // <title> of the bar: how the number was measured
};

// One horizontal bar per runtime with a CI whisker; `data_attrs` is inserted
// into the <svg> tag verbatim (already escaped), e.g. data-scenario="boot".
std::string bar_chart(const std::string& data_attrs, const std::vector<BarDatum>& rows, const std::string& unit);

struct StackRow {
  std::string label;                                     // runtime
  std::vector<std::pair<std::string, double>> segments;  // (phase, median), in phase order
  std::optional<double> total;                           // median of the "total" metric, drawn as a marker
  std::string tooltip;
};

// Stacked horizontal bars, one colour per phase, with a legend.
std::string stacked_chart(const std::string& data_attrs, const std::vector<StackRow>& rows,
                          const std::vector<std::string>& phases, const std::string& unit);

struct RatioDatum {
  std::string label;  // "runtime · metric"
  double ratio = 1;
  double lo = 1;
  double hi = 1;
  int assessment = 0;  // -1 CI entirely on the good side of 1, +1 on the bad side, 0 CI spans 1
  std::string value_text;
  std::string tooltip;
};

// Ratios to the baseline on a log axis with a reference line at 1.
std::string ratio_chart(const std::string& data_attrs, const std::vector<RatioDatum>& rows);

}  // namespace moat::bench::detail
