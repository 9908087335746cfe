#include <moat/matrix/harness_figures.hpp>

#include <moat/bench/report/analysis.hpp>
#include <moat/bench/report/results_reader.hpp>
#include <moat/matrix/requirements.hpp>

#include <cmath>

namespace moat::matrix {

using json = nlohmann::json;

namespace {

// The boot metric the matrix compares: the harness's total, else its ready phase.
constexpr const char* kBootScenario = "boot";
const std::vector<std::string>& boot_metric_preference() {
  static const std::vector<std::string> m = {"total", "ready", "total_ms", "wall"};
  return m;
}

double round1(double v) { return std::round(v * 10) / 10; }

}  // namespace

HarnessFigures read_harness_figures(const std::filesystem::path& results) {
  const moat::bench::Results r = moat::bench::load_results(results);
  moat::bench::AnalysisOptions o;
  o.bootstrap_resamples = 1000;  // the ranking needs the medians; CIs are shown, not gated on
  const moat::bench::Analysis a = moat::bench::analyze(r, o);

  HarnessFigures h;
  h.source = results.string();
  h.run_id = r.manifest.run_id;
  h.warnings = a.warnings;
  if (!r.complete) h.warnings.push_back("the results file is from an unfinished run");
  for (const auto& s : a.summaries) {
    if (!s.stats) continue;
    json f = {{"scenario", s.scenario},
              {"metric", s.metric},
              {"unit", s.unit},
              {"median", round1(s.stats->median)},
              {"n", s.n_ok},
              {"noisy", s.noisy},
              {"baseline", s.baseline}};
    if (s.ratio)
      f["ratio"] = {{"estimate", std::round(s.ratio->estimate * 1000) / 1000},
                    {"low", std::round(s.ratio->lower * 1000) / 1000},
                    {"high", std::round(s.ratio->upper * 1000) / 1000}};
    if (s.error_rate > 0) f["error_rate"] = s.error_rate;
    h.figures[s.runtime].push_back(f);
  }
  // Boot: the first preferred metric present for each runtime, in ms.
  for (const auto& metric : boot_metric_preference()) {
    for (const auto* s : a.for_metric(kBootScenario, metric)) {
      if (!s->stats || h.boot.contains(s->runtime)) continue;
      double scale = s->unit == "s" ? 1000.0 : s->unit == "us" ? 0.001 : 1.0;
      if (s->unit != "ms" && s->unit != "s" && s->unit != "us") continue;
      BootFigure b;
      b.median_ms = s->stats->median * scale;
      b.n = s->n_ok;
      b.metric = std::string(kBootScenario) + "/" + metric;
      b.noisy = s->noisy;
      if (s->median_ci) {
        b.ci_low = s->median_ci->lower * scale;
        b.ci_high = s->median_ci->upper * scale;
      }
      h.boot[s->runtime] = b;
    }
  }
  return h;
}

std::string results_id_for(const Column& column, const HarnessFigures& figures) {
  auto has = [&](const std::string& id) { return figures.boot.contains(id) || figures.figures.contains(id); };
  if (has(column.id)) return column.id;
  if (column.dind != DindPolicy::always && has(column.runtime)) return column.runtime;
  return {};
}

bool boot_from_results(const Column& column, const HarnessFigures& figures, Cell& cell) {
  const std::string id = results_id_for(column, figures);
  auto it = id.empty() ? figures.boot.end() : figures.boot.find(id);
  if (it == figures.boot.end()) return false;
  const BootFigure& b = it->second;
  cell.value_ms = b.median_ms;
  cell.facts = {{"source", "results"},
                {"file", figures.source},
                {"run_id", figures.run_id},
                {"runtime_in_results", id},
                {"metric", b.metric},
                {"median_ms", round1(b.median_ms)},
                {"n", b.n},
                {"noisy", b.noisy}};
  if (b.ci_low && b.ci_high) cell.facts["median_ci_ms"] = {round1(*b.ci_low), round1(*b.ci_high)};
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.2f s (%s median of %zu, from the harness's results)", b.median_ms / 1000,
                b.metric.c_str(), b.n);
  cell.summary = buf;
  if (b.ci_low && b.ci_high) {
    std::snprintf(buf, sizeof buf, "; 95%% CI %.2f-%.2f s", *b.ci_low / 1000, *b.ci_high / 1000);
    cell.summary += buf;
  }
  cell.verdict = boot_verdict(b.median_ms);
  Step s;
  s.kind = "host";
  s.what = "read the boot figure for '" + id + "' from " + figures.source;
  s.out = cell.summary;
  cell.steps.push_back(std::move(s));
  return true;
}

}  // namespace moat::matrix
