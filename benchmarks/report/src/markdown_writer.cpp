#include <moat/bench/report/markdown_writer.hpp>

#include "describe_run.hpp"
#include "format.hpp"

namespace moat::bench {

using detail::md_cell;

std::string render_markdown(const Analysis& a) {
  std::string out = "# moat benchmark results\n\n";
  out += "- " + md_cell(detail::run_line(a)) + "\n";
  out += "- " + md_cell(detail::host_line(a.manifest)) + "\n";
  out += "- " + md_cell(detail::engine_line(a.manifest)) + "\n";
  for (const std::string& r : detail::runtime_lines(a.manifest)) out += "- runtime " + md_cell(r) + "\n";
  for (const auto& [ref, digest] : a.manifest.images) out += "- image `" + ref + "` " + md_cell(digest) + "\n";
  for (const std::string& w : a.warnings) out += "- **warning:** " + md_cell(w) + "\n";
  out += "\n";

  for (const std::string& scenario : a.scenarios()) {
    out += "## " + scenario + " (baseline: " + a.baseline_for(scenario) + ")\n\n";
    bool any = false;
    std::string table =
        "| metric | runtime | n | median | 95% CI of median | p95 | CoV | ratio [95% CI] | errors | rank | flags |\n"
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n";
    for (const MetricSummary& s : a.summaries) {
      if (s.scenario != scenario) continue;
      any = true;
      const bool have = s.stats.has_value();
      std::string flags = detail::flags_text(s);
      if (s.noisy) flags = "⚠️ " + flags;
      table +=
          "| " + md_cell(s.metric) + " | " + md_cell(s.runtime) + " | " + std::to_string(s.n_ok) + " | " +
          (have ? detail::with_unit(s.stats->median, s.unit) : "—") + " | " +
          (s.median_ci ? "[" + detail::num(s.median_ci->lower) + ", " + detail::num(s.median_ci->upper) + "]" : "—") +
          " | " + (have ? detail::with_unit(s.stats->p95, s.unit) : "—") + " | " +
          (have ? detail::percent(s.stats->cov) : "—") + " | " + detail::ratio_cell(s) + " | " +
          detail::errors_text(s) + " | " + (s.rank ? std::to_string(*s.rank) : "—") + " | " + md_cell(flags) + " |\n";
    }
    if (any) out += table + "\n";
    for (const Unsupported& u : a.unsupported) {
      if (u.scenario != scenario) continue;
      out += "- **" + md_cell(u.runtime) + "**: not supported" + (u.metric.empty() ? "" : " (" + u.metric + ")") +
             " — " + md_cell(u.reason) + "\n";
    }
    for (const MetricSummary& s : a.summaries) {
      if (s.scenario != scenario) continue;
      for (const auto& [msg, count] : s.errors) {
        out += "- " + md_cell(s.metric) + " on " + md_cell(s.runtime) + ": " + std::to_string(count) + "× " +
               md_cell(msg) + "\n";
      }
    }
    out += "\n";
  }

  out += "## How measured\n\n";
  for (const std::string& l : detail::method_lines(a)) out += "- " + md_cell(l) + "\n";
  if (!a.manifest.parameters.empty()) {
    out += "\nParameters:\n\n```json\n" + a.manifest.parameters.dump(2) + "\n```\n";
  }
  return out;
}

std::string render_markdown(const Comparison& c) {
  std::string out = "# moat compare\n\n";
  out += "- base run `" + c.base_run_id + "`, new run `" + c.new_run_id + "`\n";
  out += "- significant = p < " + detail::param(c.options.alpha) + " and |change| > " +
         detail::param_percent(c.options.noise_floor) + "; regression = significant and worse by more than " +
         detail::param_percent(c.options.threshold) + "\n";
  for (const std::string& w : c.warnings) out += "- **warning:** " + md_cell(w) + "\n";
  out += "- **verdict: " + std::string(c.regression ? "REGRESSION" : "pass") + "** (" + std::to_string(c.regressions) +
         " regressed, " + std::to_string(c.improvements) + " improved)\n\n";
  out +=
      "| scenario | metric | runtime | base | new | change | ratio [95% CI] | p | n (base/new) | result | note |\n"
      "|---|---|---|--:|--:|--:|--:|--:|--:|---|---|\n";
  for (const MetricComparison& m : c.metrics) {
    std::string kind(to_string(m.kind));
    if (m.kind == ChangeKind::regressed || m.kind == ChangeKind::failed) kind = "❌ " + kind;
    if (m.kind == ChangeKind::improved || m.kind == ChangeKind::fixed) kind = "✅ " + kind;
    if (m.kind == ChangeKind::worse) kind = "⚠️ " + kind;
    out += "| " + md_cell(m.scenario) + " | " + md_cell(m.metric) + " | " + md_cell(m.runtime) + " | " +
           (m.median_base ? detail::with_unit(*m.median_base, m.unit) : "—") + " | " +
           (m.median_new ? detail::with_unit(*m.median_new, m.unit) : "—") + " | " +
           (m.change ? detail::percent(*m.change, true) : "—") + " | " +
           (m.ratio ? detail::ratio_text(*m.ratio) : "—") + " | " + (m.p_value ? detail::p_text(*m.p_value) : "—") +
           " | " + std::to_string(m.n_base) + "/" + std::to_string(m.n_new) + " | " + kind + " | " + md_cell(m.note) +
           " |\n";
  }
  return out;
}

}  // namespace moat::bench
