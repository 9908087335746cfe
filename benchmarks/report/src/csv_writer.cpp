#include <moat/bench/report/csv_writer.hpp>

#include "format.hpp"

namespace moat::bench {

using detail::csv_field;
using detail::exact;

namespace {

std::string join_row(const std::vector<std::string>& cells) {
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) line += ',';
    line += csv_field(cells[i]);
  }
  return line + "\r\n";  // RFC 4180 line ending
}

std::string b(bool v) { return v ? "true" : "false"; }

}  // namespace

const std::vector<std::string>& summary_csv_columns() {
  static const std::vector<std::string> cols = {"run_id",
                                                "scenario",
                                                "metric",
                                                "runtime",
                                                "unit",
                                                "direction",
                                                "n",
                                                "n_warmup",
                                                "n_failed",
                                                "error_rate",
                                                "median",
                                                "median_ci_lower",
                                                "median_ci_upper",
                                                "p95",
                                                "min",
                                                "max",
                                                "mean",
                                                "stddev",
                                                "cov",
                                                "mad",
                                                "outliers",
                                                "noisy",
                                                "baseline",
                                                "ratio",
                                                "ratio_ci_lower",
                                                "ratio_ci_upper",
                                                "rank",
                                                "ci_confidence",
                                                "bootstrap_resamples"};
  return cols;
}

const std::vector<std::string>& samples_csv_columns() {
  static const std::vector<std::string> cols = {"run_id", "runtime", "scenario", "metric", "unit", "repetition",
                                                "warmup", "value",   "ok",       "error",  "t"};
  return cols;
}

std::string render_summary_csv(const Analysis& a) {
  std::string out = join_row(summary_csv_columns());
  for (const MetricSummary& s : a.summaries) {
    const bool have = s.stats.has_value();
    auto st = [&](double stats::Summary::*field) { return have ? exact((*s.stats).*field) : std::string(); };
    out += join_row({a.manifest.run_id,
                     s.scenario,
                     s.metric,
                     s.runtime,
                     s.unit,
                     std::string(to_string(s.direction)),
                     std::to_string(s.n_ok),
                     std::to_string(s.n_warmup),
                     std::to_string(s.n_failed),
                     exact(s.error_rate),
                     st(&stats::Summary::median),
                     s.median_ci ? exact(s.median_ci->lower) : "",
                     s.median_ci ? exact(s.median_ci->upper) : "",
                     st(&stats::Summary::p95),
                     st(&stats::Summary::min),
                     st(&stats::Summary::max),
                     st(&stats::Summary::mean),
                     st(&stats::Summary::stddev),
                     st(&stats::Summary::cov),
                     st(&stats::Summary::mad),
                     have ? std::to_string(s.stats->outliers.size()) : "",
                     b(s.noisy),
                     s.baseline,
                     s.is_baseline ? "1" : (s.ratio ? exact(s.ratio->estimate) : ""),
                     s.ratio ? exact(s.ratio->lower) : "",
                     s.ratio ? exact(s.ratio->upper) : "",
                     s.rank ? std::to_string(*s.rank) : "",
                     exact(a.options.confidence),
                     std::to_string(a.options.bootstrap_resamples)});
  }
  return out;
}

std::string render_samples_csv(const Results& r) {
  std::string out = join_row(samples_csv_columns());
  for (const Sample& s : r.samples) {
    out += join_row({r.manifest.run_id, s.runtime, s.scenario, s.metric, s.unit, std::to_string(s.repetition),
                     b(s.warmup), exact(s.value), b(s.ok), s.error, s.t});
  }
  return out;
}

std::string render_compare_csv(const Comparison& c) {
  std::string out =
      join_row({"base_run_id",    "new_run_id", "scenario",    "metric",      "runtime", "unit",  "direction",
                "n_base",         "n_new",      "median_base", "median_new",  "change",  "ratio", "ratio_ci_lower",
                "ratio_ci_upper", "p_value",    "test",        "significant", "result",  "note"});
  for (const MetricComparison& m : c.metrics) {
    out += join_row({c.base_run_id,
                     c.new_run_id,
                     m.scenario,
                     m.metric,
                     m.runtime,
                     m.unit,
                     std::string(to_string(m.direction)),
                     std::to_string(m.n_base),
                     std::to_string(m.n_new),
                     exact(m.median_base),
                     exact(m.median_new),
                     exact(m.change),
                     m.ratio ? exact(m.ratio->estimate) : "",
                     m.ratio ? exact(m.ratio->lower) : "",
                     m.ratio ? exact(m.ratio->upper) : "",
                     exact(m.p_value),
                     m.test,
                     b(m.significant),
                     std::string(to_string(m.kind)),
                     m.note});
  }
  return out;
}

}  // namespace moat::bench
