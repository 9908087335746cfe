#include <moat/bench/report/table_writer.hpp>

#include "describe_run.hpp"
#include "format.hpp"
#include "text_table.hpp"

namespace moat::bench {

using detail::TextTable;

namespace {

constexpr const char* kYellow = "\x1b[33m";
constexpr const char* kRed = "\x1b[31m";
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kReset = "\x1b[0m";

}  // namespace

std::string render_table(const Analysis& a, const TableOptions& options) {
  std::string out;
  out += detail::run_line(a) + "\n";
  out += detail::host_line(a.manifest) + "\n";
  out += detail::engine_line(a.manifest) + "\n";
  for (const std::string& w : a.warnings) out += "warning: " + w + "\n";
  out += "\n";

  TextTable t({{"SCENARIO"},
               {"METRIC"},
               {"RUNTIME"},
               {"N", TextTable::Align::right},
               {"MEDIAN", TextTable::Align::right},
               {"P95", TextTable::Align::right},
               {"COV", TextTable::Align::right},
               {"RATIO [95% CI]", TextTable::Align::right},
               {"ERRORS", TextTable::Align::right},
               {"RANK", TextTable::Align::right},
               {"FLAGS"}});
  std::vector<std::string> notes;
  for (const MetricSummary& s : a.summaries) {
    const bool have = s.stats.has_value();
    std::string ansi;
    if (options.color) {
      if (s.n_failed > 0) {
        ansi = kRed;
      } else if (s.noisy) {
        ansi = kYellow;
      }
    }
    t.add(
        {s.scenario, s.metric, s.runtime, std::to_string(s.n_ok),
         have ? detail::with_unit(s.stats->median, s.unit) : "—", have ? detail::with_unit(s.stats->p95, s.unit) : "—",
         have ? detail::percent(s.stats->cov) : "—", detail::ratio_cell(s), detail::errors_text(s),
         s.rank ? "#" + std::to_string(*s.rank) : "—", detail::flags_text(s)},
        ansi);
    if (!s.is_baseline && !s.ratio && !s.ratio_note.empty()) {
      notes.push_back(s.scenario + "/" + s.metric + " " + s.runtime + ": no ratio, " + s.ratio_note);
    }
    for (const auto& [msg, count] : s.errors) {
      notes.push_back(s.scenario + "/" + s.metric + " " + s.runtime + ": " + std::to_string(count) + "x " + msg);
    }
  }
  if (t.empty()) {
    out += "(no samples)\n";
  } else {
    out += t.render();
  }

  if (!a.unsupported.empty()) {
    out += "\nnot supported:\n";
    TextTable u({{"RUNTIME"}, {"SCENARIO"}, {"REASON"}});
    for (const Unsupported& x : a.unsupported) {
      u.add({x.runtime, x.metric.empty() ? x.scenario : x.scenario + "/" + x.metric, x.reason});
    }
    out += u.render();
  }
  if (!notes.empty()) {
    out += "\nnotes:\n";
    for (const std::string& n : notes) out += "  " + n + "\n";
  }
  out += "\nhow measured:\n";
  for (const std::string& l : detail::method_lines(a)) out += "  " + l + "\n";
  return out;
}

std::string render_table(const Comparison& c, const TableOptions& options) {
  std::string out = "compare: base " + c.base_run_id + " → new " + c.new_run_id + "\n";
  out += "significant = p < " + detail::param(c.options.alpha) + " and |change| > " +
         detail::param_percent(c.options.noise_floor) + "; regression = significant and worse by more than " +
         detail::param_percent(c.options.threshold) + "\n";
  for (const std::string& w : c.warnings) out += "warning: " + w + "\n";
  out += "\n";
  TextTable t({{"SCENARIO"},
               {"METRIC"},
               {"RUNTIME"},
               {"BASE", TextTable::Align::right},
               {"NEW", TextTable::Align::right},
               {"CHANGE", TextTable::Align::right},
               {"RATIO [95% CI]", TextTable::Align::right},
               {"P", TextTable::Align::right},
               {"N", TextTable::Align::right},
               {"RESULT"},
               {"NOTE"}});
  for (const MetricComparison& m : c.metrics) {
    std::string ansi;
    if (options.color) {
      if (m.kind == ChangeKind::regressed || m.kind == ChangeKind::failed) {
        ansi = kRed;
      } else if (m.kind == ChangeKind::worse) {
        ansi = kYellow;
      } else if (m.kind == ChangeKind::improved || m.kind == ChangeKind::fixed) {
        ansi = kGreen;
      }
    }
    t.add({m.scenario, m.metric, m.runtime, m.median_base ? detail::with_unit(*m.median_base, m.unit) : "—",
           m.median_new ? detail::with_unit(*m.median_new, m.unit) : "—",
           m.change ? detail::percent(*m.change, true) : "—", m.ratio ? detail::ratio_text(*m.ratio) : "—",
           m.p_value ? detail::p_text(*m.p_value) : "—", std::to_string(m.n_base) + "/" + std::to_string(m.n_new),
           std::string(to_string(m.kind)), m.note},
          ansi);
  }
  out += t.empty() ? std::string("(nothing to compare)\n") : t.render();
  std::string verdict = c.regression ? "REGRESSION" : "PASS";
  if (options.color) verdict = std::string(kBold) + (c.regression ? kRed : kGreen) + verdict + kReset;
  out += "\nverdict: " + verdict + " (" + std::to_string(c.regressions) + " regressed, " +
         std::to_string(c.improvements) + " improved, " + std::to_string(c.metrics.size()) + " compared)\n";
  return out;
}

}  // namespace moat::bench
