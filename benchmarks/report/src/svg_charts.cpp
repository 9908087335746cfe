#include "svg_charts.hpp"

#include "format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace moat::bench::detail {

namespace {

constexpr double kWidth = 780;
constexpr double kValueW = 200;  // value text right of the plot
constexpr double kRowH = 26;
constexpr double kBarH = 16;
constexpr double kTop = 8;
constexpr double kAxisH = 26;

std::string f(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// Horizontal geometry of one chart: the label column grows with its longest
// label (about 7 px per character at 12 px) so labels are never clipped.
struct Layout {
  double label_w = 170;
  double plot_w = kWidth - 170 - kValueW;
};

Layout layout_for(const std::vector<std::string>& labels) {
  std::size_t longest = 0;
  for (const std::string& l : labels) {
    std::size_t n = 0;
    for (unsigned char c : l) n += (c & 0xC0) != 0x80;
    longest = std::max(longest, n);
  }
  Layout L;
  L.label_w = std::clamp(7.0 * static_cast<double>(longest) + 16.0, 110.0, 360.0);
  L.plot_w = kWidth - L.label_w - kValueW;
  return L;
}

// Axis tick text: as short as the value allows ("200", "2.5", "0.67").
std::string tick(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

double nice_step(double range, int target) {
  if (!(range > 0)) return 1;
  const double raw = range / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag;
  const double step = r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10;
  return step * mag;
}

struct LinearAxis {
  Layout L;
  double lo = 0, hi = 1, step = 1;
  [[nodiscard]] double x(double v) const { return L.label_w + (v - lo) / (hi - lo) * L.plot_w; }
};

LinearAxis linear_axis(const Layout& L, double min_v, double max_v) {
  LinearAxis a;
  a.L = L;
  a.lo = std::min(0.0, min_v);
  double hi = std::max(max_v, a.lo + 1e-12);
  a.step = nice_step(hi - a.lo, 5);
  a.hi = std::ceil(hi / a.step) * a.step;
  if (a.hi <= a.lo) a.hi = a.lo + a.step;
  if (a.lo < 0) a.lo = std::floor(a.lo / a.step) * a.step;
  return a;
}

std::string axis_svg(const LinearAxis& a, double y, const std::string& unit) {
  const Layout& L = a.L;
  std::string s = "<g class=\"axis\"><line x1=\"" + f(L.label_w) + "\" y1=\"" + f(y) + "\" x2=\"" +
                  f(L.label_w + L.plot_w) + "\" y2=\"" + f(y) + "\" stroke=\"#8a939e\"/>";
  for (double t = a.lo; t <= a.hi + a.step * 1e-9; t += a.step) {
    const double x = a.x(t);
    s += "<line x1=\"" + f(x) + "\" y1=\"" + f(y) + "\" x2=\"" + f(x) + "\" y2=\"" + f(y + 4) +
         "\" stroke=\"#8a939e\"/>";
    s += "<line class=\"grid\" x1=\"" + f(x) + "\" y1=\"" + f(kTop) + "\" x2=\"" + f(x) + "\" y2=\"" + f(y) +
         "\" stroke=\"#e6e9ed\"/>";
    s += "<text x=\"" + f(x) + "\" y=\"" + f(y + 16) + "\" text-anchor=\"middle\" class=\"tick\">" +
         html_escape(tick(std::fabs(t) < a.step * 1e-9 ? 0.0 : t)) + "</text>";
  }
  if (!unit.empty()) {  // under the label column, level with the tick labels
    s += "<text x=\"" + f(L.label_w - 8) + "\" y=\"" + f(y + 16) + "\" text-anchor=\"end\" class=\"unit\">" +
         html_escape(unit) + "</text>";
  }
  return s + "</g>";
}

std::string open_svg(const std::string& kind, const std::string& data_attrs, double height, const std::string& title) {
  return "<svg class=\"moat-chart\" data-chart=\"" + kind + "\" " + data_attrs + " role=\"img\" width=\"" + f(kWidth) +
         "\" height=\"" + f(height) + "\" viewBox=\"0 0 " + f(kWidth) + " " + f(height) + "\"><title>" +
         html_escape(title) + "</title>";
}

std::string label_svg(const Layout& L, const std::string& text, double y_mid, bool bold = false) {
  return "<text x=\"" + f(L.label_w - 8) + "\" y=\"" + f(y_mid + 4) + "\" text-anchor=\"end\" class=\"label\"" +
         (bold ? " font-weight=\"600\"" : "") + ">" + html_escape(text) + "</text>";
}

std::string whisker_svg(double x1, double x2, double y_mid) {
  const std::string y = f(y_mid);
  const std::string y1 = f(y_mid - 5);
  const std::string y2 = f(y_mid + 5);
  return "<g class=\"whisker\"><line class=\"whisker\" x1=\"" + f(x1) + "\" y1=\"" + y + "\" x2=\"" + f(x2) +
         "\" y2=\"" + y + "\" stroke=\"#1d2330\" stroke-width=\"1.5\"/><line x1=\"" + f(x1) + "\" y1=\"" + y1 +
         "\" x2=\"" + f(x1) + "\" y2=\"" + y2 + "\" stroke=\"#1d2330\" stroke-width=\"1.5\"/><line x1=\"" + f(x2) +
         "\" y1=\"" + y1 + "\" x2=\"" + f(x2) + "\" y2=\"" + y2 + "\" stroke=\"#1d2330\" stroke-width=\"1.5\"/></g>";
}

const char* phase_colour(std::size_t i) {
  static const char* palette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return palette[i % (sizeof palette / sizeof palette[0])];
}

}  // namespace

std::string bar_chart(const std::string& data_attrs, const std::vector<BarDatum>& rows, const std::string& unit) {
  double max_v = 0, min_v = 0;
  for (const BarDatum& r : rows) {
    if (r.value) {
      max_v = std::max(max_v, *r.value);
      min_v = std::min(min_v, *r.value);
    }
    if (r.hi && std::isfinite(*r.hi)) max_v = std::max(max_v, *r.hi);
    if (r.lo && std::isfinite(*r.lo)) min_v = std::min(min_v, *r.lo);
  }
  std::vector<std::string> labels;
  labels.reserve(rows.size());
  for (const BarDatum& r : rows) labels.push_back(r.label);
  const Layout L = layout_for(labels);
  const LinearAxis ax = linear_axis(L, min_v, max_v > 0 ? max_v : 1);
  const double height = kTop + kRowH * static_cast<double>(rows.size()) + kAxisH;
  std::string s = open_svg("bars", data_attrs, height, "median per runtime with 95% CI");
  s += axis_svg(ax, kTop + kRowH * static_cast<double>(rows.size()), unit);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const BarDatum& r = rows[i];
    const double y0 = kTop + kRowH * static_cast<double>(i);
    const double ymid = y0 + kRowH / 2;
    s += label_svg(L, r.label, ymid, r.baseline);
    if (!r.value) {
      s += "<text x=\"" + f(L.label_w + 4) + "\" y=\"" + f(ymid + 4) + "\" class=\"nodata\">" +
           html_escape(r.value_text.empty() ? "no successful samples" : r.value_text) + "</text>";
      continue;
    }
    const double x0 = ax.x(std::min(0.0, *r.value));
    const double x1 = ax.x(std::max(0.0, *r.value));
    std::string cls = "bar";
    if (r.baseline) cls += " baseline";
    if (r.noisy) cls += " noisy";
    const char* fill = r.baseline ? "#9aa5b1" : "#4e79a7";
    s += "<rect class=\"" + cls + "\" x=\"" + f(x0) + "\" y=\"" + f(ymid - kBarH / 2) + "\" width=\"" +
         f(std::max(x1 - x0, 1.0)) + "\" height=\"" + f(kBarH) + "\" fill=\"" + fill + "\"" +
         (r.noisy ? " fill-opacity=\"0.45\" stroke=\"#c77c00\" stroke-dasharray=\"4 2\"" : "") + "><title>" +
         html_escape(r.tooltip) + "</title></rect>";
    double text_x = x1;
    if (r.lo && r.hi) {
      const double hi = std::isfinite(*r.hi) ? *r.hi : ax.hi;
      const double wx1 = ax.x(*r.lo);
      const double wx2 = ax.x(hi);
      s += whisker_svg(wx1, wx2, ymid);
      text_x = std::max(text_x, wx2);
    }
    s += "<text x=\"" + f(std::min(text_x + 6, L.label_w + L.plot_w + 6)) + "\" y=\"" + f(ymid + 4) +
         "\" class=\"value\">" + html_escape(r.value_text) + "</text>";
  }
  return s + "</svg>";
}

std::string stacked_chart(const std::string& data_attrs, const std::vector<StackRow>& rows,
                          const std::vector<std::string>& phases, const std::string& unit) {
  double max_v = 0;
  for (const StackRow& r : rows) {
    double sum = 0;
    for (const auto& seg : r.segments) sum += std::max(0.0, seg.second);
    max_v = std::max(max_v, sum);
    if (r.total) max_v = std::max(max_v, *r.total);
  }
  std::vector<std::string> labels;
  labels.reserve(rows.size());
  for (const StackRow& r : rows) labels.push_back(r.label);
  const Layout L = layout_for(labels);
  const LinearAxis ax = linear_axis(L, 0, max_v > 0 ? max_v : 1);
  constexpr double kLegendH = 24;
  const double height = kLegendH + kTop + kRowH * static_cast<double>(rows.size()) + kAxisH;
  std::string s = open_svg("boot-phases", data_attrs, height, "boot phases per runtime (medians, stacked)");

  s += "<g class=\"legend\">";
  double lx = L.label_w;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    s += "<rect class=\"legend-swatch\" x=\"" + f(lx) + "\" y=\"6\" width=\"12\" height=\"12\" fill=\"" +
         phase_colour(i) + "\"/><text x=\"" + f(lx + 16) + "\" y=\"16\" class=\"legend-label\">" +
         html_escape(phases[i]) + "</text>";
    lx += 24 + 7.5 * static_cast<double>(phases[i].size());
  }
  s += "<line x1=\"" + f(lx + 6) + "\" y1=\"4\" x2=\"" + f(lx + 6) +
       "\" y2=\"20\" stroke=\"#1d2330\" stroke-width=\"2\"/>";
  s += "<text x=\"" + f(lx + 12) + "\" y=\"16\" class=\"legend-label\">median total</text></g>";

  const double top = kLegendH + kTop;
  s += "<g transform=\"translate(0," + f(kLegendH) + ")\">" +
       axis_svg(ax, kTop + kRowH * static_cast<double>(rows.size()), unit) + "</g>";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const StackRow& r = rows[i];
    const double ymid = top + kRowH * static_cast<double>(i) + kRowH / 2;
    s += label_svg(L, r.label, ymid);
    double acc = 0;
    for (const auto& [phase, value] : r.segments) {
      const auto it = std::find(phases.begin(), phases.end(), phase);
      const std::size_t ci = static_cast<std::size_t>(it - phases.begin());
      const double v = std::max(0.0, value);
      const double x0 = ax.x(acc);
      const double x1 = ax.x(acc + v);
      s += "<rect class=\"segment\" data-phase=\"" + html_escape(phase) + "\" x=\"" + f(x0) + "\" y=\"" +
           f(ymid - kBarH / 2) + "\" width=\"" + f(std::max(x1 - x0, 0.5)) + "\" height=\"" + f(kBarH) + "\" fill=\"" +
           phase_colour(ci) + "\"><title>" +
           html_escape(r.label + " " + phase + ": median " + num(value) + " " + unit) + "</title></rect>";
      acc += v;
    }
    double text_x = ax.x(acc);
    if (r.total) {
      const double tx = ax.x(*r.total);
      s += "<line class=\"total-marker\" x1=\"" + f(tx) + "\" y1=\"" + f(ymid - kBarH / 2 - 3) + "\" x2=\"" + f(tx) +
           "\" y2=\"" + f(ymid + kBarH / 2 + 3) + "\" stroke=\"#1d2330\" stroke-width=\"2\"/>";
      text_x = std::max(text_x, tx);
    }
    s += "<text x=\"" + f(text_x + 6) + "\" y=\"" + f(ymid + 4) + "\" class=\"value\">" +
         html_escape("Σ " + num(acc) + " " + unit + (r.total ? " · total " + num(*r.total) : "")) + "<title>" +
         html_escape(r.tooltip) + "</title></text>";
  }
  return s + "</svg>";
}

std::string ratio_chart(const std::string& data_attrs, const std::vector<RatioDatum>& rows) {
  double lo = 1, hi = 1;
  for (const RatioDatum& r : rows) {
    for (double v : {r.ratio, r.lo, r.hi}) {
      if (std::isfinite(v) && v > 0) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  }
  lo /= 1.15;
  hi *= 1.15;
  std::vector<std::string> labels;
  labels.reserve(rows.size());
  for (const RatioDatum& r : rows) labels.push_back(r.label);
  const Layout L = layout_for(labels);
  const double llo = std::log(lo);
  const double lhi = std::log(hi);
  auto x = [&](double v) {
    const double c = std::clamp(v > 0 && std::isfinite(v) ? v : (v > 0 ? hi : lo), lo, hi);
    return L.label_w + (std::log(c) - llo) / (lhi - llo) * L.plot_w;
  };
  const double height = kTop + kRowH * static_cast<double>(rows.size()) + kAxisH;
  const double axis_y = kTop + kRowH * static_cast<double>(rows.size());
  std::string s = open_svg("ratios", data_attrs, height, "ratio of medians to the baseline with 95% CI (log scale)");

  // Log-axis ticks from a fixed ladder, thinned so labels do not collide.
  static const double ladder[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.67, 0.8, 0.9, 1,   1.1, 1.25,
                                  1.5,  2,    3,    4,   5,   8,    10,  20,   50,  100, 200, 500, 1000};
  s += "<g class=\"axis\"><line x1=\"" + f(L.label_w) + "\" y1=\"" + f(axis_y) + "\" x2=\"" + f(L.label_w + L.plot_w) +
       "\" y2=\"" + f(axis_y) + "\" stroke=\"#8a939e\"/>";
  // 1 always gets a tick; the others are taken nearest-to-1 first and kept
  // when at least 38 px from every tick already placed.
  std::vector<double> candidates;
  for (double t : ladder) {
    if (t >= lo && t <= hi && t != 1) candidates.push_back(t);
  }
  std::sort(candidates.begin(), candidates.end(),
            [](double a, double b) { return std::fabs(std::log(a)) < std::fabs(std::log(b)); });
  std::vector<double> placed = {x(1)};
  std::vector<double> ticks = {1};
  for (double t : candidates) {
    const double tx = x(t);
    if (std::all_of(placed.begin(), placed.end(), [tx](double p) { return std::fabs(p - tx) >= 38; })) {
      placed.push_back(tx);
      ticks.push_back(t);
    }
  }
  for (double t : ticks) {
    const double tx = x(t);
    s += "<line x1=\"" + f(tx) + "\" y1=\"" + f(axis_y) + "\" x2=\"" + f(tx) + "\" y2=\"" + f(axis_y + 4) +
         "\" stroke=\"#8a939e\"/><text x=\"" + f(tx) + "\" y=\"" + f(axis_y + 16) +
         "\" text-anchor=\"middle\" class=\"tick\">" + tick(t) + "x</text>";
  }
  s += "</g>";
  const double x1 = x(1);
  s += "<line class=\"reference\" x1=\"" + f(x1) + "\" y1=\"" + f(kTop - 4) + "\" x2=\"" + f(x1) + "\" y2=\"" +
       f(axis_y) + "\" stroke=\"#1d2330\" stroke-dasharray=\"3 3\"/>";

  for (std::size_t i = 0; i < rows.size(); ++i) {
    const RatioDatum& r = rows[i];
    const double ymid = kTop + kRowH * static_cast<double>(i) + kRowH / 2;
    s += label_svg(L, r.label, ymid);
    const double xr = x(r.ratio);
    const char* fill = r.assessment > 0 ? "#e15759" : r.assessment < 0 ? "#59a14f" : "#9aa5b1";
    const char* cls = r.assessment > 0   ? "ratio-bar worse"
                      : r.assessment < 0 ? "ratio-bar better"
                                         : "ratio-bar unclear";
    s += "<rect class=\"" + std::string(cls) + "\" x=\"" + f(std::min(x1, xr)) + "\" y=\"" + f(ymid - kBarH / 2) +
         "\" width=\"" + f(std::max(std::fabs(xr - x1), 1.0)) + "\" height=\"" + f(kBarH) + "\" fill=\"" + fill +
         "\"><title>" + html_escape(r.tooltip) + "</title></rect>";
    const double wx1 = x(r.lo);
    const double wx2 = x(r.hi);
    s += whisker_svg(wx1, wx2, ymid);
    s += "<text x=\"" + f(std::max({wx2, xr, x1}) + 6) + "\" y=\"" + f(ymid + 4) + "\" class=\"value\">" +
         html_escape(r.value_text) + "</text>";
  }
  return s + "</svg>";
}

}  // namespace moat::bench::detail
