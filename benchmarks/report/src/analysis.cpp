#include <moat/bench/report/analysis.hpp>

#include <moat/bench/report/results_json.hpp>
#include <moat/bench/stats/random.hpp>
#include <moat/error.hpp>

#include <algorithm>
#include <cmath>
#include <set>

namespace moat::bench {

using nlohmann::json;

std::map<std::string, std::string> default_baselines() {
  return {{"boot", "runc"}, {"build", "runc"}, {"density", "runc"}, {"cpu", "host"}, {"io", "host"}};
}

std::vector<std::string> Analysis::scenarios() const {
  std::vector<std::string> out;
  for (const MetricInfo& m : metrics) {
    if (std::find(out.begin(), out.end(), m.scenario) == out.end()) out.push_back(m.scenario);
  }
  for (const Unsupported& u : unsupported) {
    if (std::find(out.begin(), out.end(), u.scenario) == out.end()) out.push_back(u.scenario);
  }
  return out;
}

std::vector<const MetricSummary*> Analysis::for_metric(const std::string& scenario, const std::string& metric) const {
  std::vector<const MetricSummary*> out;
  for (const MetricSummary& s : summaries) {
    if (s.scenario == scenario && s.metric == metric) out.push_back(&s);
  }
  return out;
}

const MetricSummary* Analysis::find(const std::string& scenario, const std::string& metric,
                                    const std::string& runtime) const {
  for (const MetricSummary& s : summaries) {
    if (s.scenario == scenario && s.metric == metric && s.runtime == runtime) return &s;
  }
  return nullptr;
}

std::string Analysis::baseline_for(const std::string& scenario) const {
  auto it = options.baselines.find(scenario);
  return it != options.baselines.end() ? it->second : options.default_baseline;
}

namespace {

stats::BootstrapOptions bootstrap_options(const AnalysisOptions& o, std::uint64_t base_seed, const std::string& key) {
  return stats::BootstrapOptions{o.bootstrap_resamples, o.confidence, stats::derive_seed(base_seed, key)};
}

void rank_metric(std::vector<MetricSummary*>& rows) {
  std::vector<MetricSummary*> rankable;
  for (MetricSummary* r : rows) {
    if (r->stats && !r->noisy) rankable.push_back(r);
  }
  std::stable_sort(rankable.begin(), rankable.end(), [](const MetricSummary* a, const MetricSummary* b) {
    return a->direction == Direction::higher_is_better ? a->stats->median > b->stats->median
                                                       : a->stats->median < b->stats->median;
  });
  // Equal medians share a rank (competition ranking: 1, 1, 3).
  for (std::size_t i = 0; i < rankable.size(); ++i) {
    if (i > 0 && rankable[i]->stats->median == rankable[i - 1]->stats->median) {
      rankable[i]->rank = rankable[i - 1]->rank;
    } else {
      rankable[i]->rank = static_cast<int>(i + 1);
    }
  }
}

}  // namespace

Analysis analyze(const Results& results, const AnalysisOptions& options) {
  if (!(options.noisy_cov > 0)) throw moat::Error(MOAT_E_INVALID, "analysis: the noisy CoV threshold must be > 0");
  Analysis a;
  a.manifest = results.manifest;
  a.metrics = results.metrics;
  a.options = options;
  a.seed = options.seed.value_or(results.manifest.seed);
  a.unsupported = results.unsupported;
  a.complete = results.complete;
  a.warnings = results.warnings;

  for (const MetricInfo& m : results.metrics) {
    const std::string baseline = a.baseline_for(m.scenario);
    std::map<std::string, MetricSummary> by_runtime;
    for (const Sample& s : results.samples) {
      if (s.scenario != m.scenario || s.metric != m.metric) continue;
      MetricSummary& row = by_runtime[s.runtime];
      if (s.warmup) {
        ++row.n_warmup;
      } else if (s.ok) {
        ++row.n_ok;
        row.values.push_back(*s.value);
      } else {
        ++row.n_failed;
        ++row.errors[s.error];
      }
    }

    for (auto& [runtime, row] : by_runtime) {
      row.scenario = m.scenario;
      row.metric = m.metric;
      row.runtime = runtime;
      row.unit = m.unit;
      row.direction = m.direction;
      row.baseline = baseline;
      row.is_baseline = runtime == baseline;
      const std::size_t measured = row.n_ok + row.n_failed;
      row.error_rate = measured > 0 ? static_cast<double>(row.n_failed) / static_cast<double>(measured) : 0.0;
      if (row.n_ok > 0) {
        row.stats = stats::describe(row.values, stats::DescribeOptions{options.outlier_z});
        row.median_ci = stats::bootstrap_median_ci(
            row.values, bootstrap_options(options, a.seed, runtime + "|" + m.scenario + "|" + m.metric + "|median"));
      }
      row.noisy = !row.stats || stats::is_noisy(*row.stats, options.noisy_cov);
    }

    const MetricSummary* base_row = nullptr;
    if (auto it = by_runtime.find(baseline); it != by_runtime.end()) base_row = &it->second;
    for (auto& [runtime, row] : by_runtime) {
      if (row.is_baseline) continue;
      if (base_row == nullptr) {
        row.ratio_note = "baseline " + baseline + " not measured";
      } else if (!base_row->stats) {
        row.ratio_note = "baseline " + baseline + " has no successful samples";
      } else if (!row.stats) {
        row.ratio_note = "no successful samples";
      } else if (base_row->stats->median == 0) {
        row.ratio_note = "baseline median is 0";
      } else {
        row.ratio = stats::bootstrap_ratio_of_medians(
            base_row->values, row.values,
            bootstrap_options(options, a.seed, runtime + "|" + m.scenario + "|" + m.metric + "|ratio"));
      }
    }

    std::vector<MetricSummary*> rows;
    rows.reserve(by_runtime.size());
    for (auto& [runtime, row] : by_runtime) rows.push_back(&row);
    rank_metric(rows);

    if (auto it = by_runtime.find(baseline); it != by_runtime.end()) {
      a.summaries.push_back(std::move(it->second));
      by_runtime.erase(it);
    }
    for (auto& [runtime, row] : by_runtime) a.summaries.push_back(std::move(row));
  }
  return a;
}

namespace {

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json interval_json(const std::optional<stats::Interval>& ci) {
  if (!ci) return nullptr;
  return json{{"estimate", number(ci->estimate)}, {"lower", number(ci->lower)}, {"upper", number(ci->upper)},
              {"confidence", ci->confidence},     {"resamples", ci->resamples}, {"seed", ci->seed}};
}

}  // namespace

json to_json(const Analysis& a) {
  json summaries = json::array();
  for (const MetricSummary& s : a.summaries) {
    json j{{"scenario", s.scenario},
           {"metric", s.metric},
           {"runtime", s.runtime},
           {"unit", s.unit},
           {"direction", std::string(to_string(s.direction))},
           {"n", s.n_ok},
           {"n_warmup", s.n_warmup},
           {"n_failed", s.n_failed},
           {"error_rate", s.error_rate},
           {"errors", s.errors},
           {"noisy", s.noisy},
           {"baseline", s.baseline},
           {"is_baseline", s.is_baseline},
           {"median_ci", interval_json(s.median_ci)},
           {"ratio", interval_json(s.ratio)},
           {"rank", s.rank ? json(*s.rank) : json(nullptr)}};
    if (!s.ratio_note.empty()) j["ratio_note"] = s.ratio_note;
    if (s.stats) {
      const stats::Summary& st = *s.stats;
      j["stats"] = json{{"median", number(st.median)}, {"p95", number(st.p95)},   {"min", number(st.min)},
                        {"max", number(st.max)},       {"mean", number(st.mean)}, {"stddev", number(st.stddev)},
                        {"cov", number(st.cov)},       {"mad", number(st.mad)},   {"outliers", st.outliers.size()}};
    } else {
      j["stats"] = nullptr;
    }
    summaries.push_back(std::move(j));
  }
  json metrics = json::array();
  for (const MetricInfo& m : a.metrics) metrics.push_back(m);
  json unsupported = json::array();
  for (const Unsupported& u : a.unsupported) unsupported.push_back(u);
  return json{{"format", "moat-analysis"},
              {"manifest", a.manifest},
              {"complete", a.complete},
              {"warnings", a.warnings},
              {"method",
               {{"quantiles", "Hyndman-Fan type 7 (linear interpolation)"},
                {"outliers", "modified z-score |0.6745 (x - median) / MAD| > threshold"},
                {"outlier_z", a.options.outlier_z},
                {"noisy_cov", a.options.noisy_cov},
                {"bootstrap", "percentile, independent resampling of both groups"},
                {"bootstrap_resamples", a.options.bootstrap_resamples},
                {"confidence", a.options.confidence},
                {"seed", a.seed},
                {"baselines", a.options.baselines},
                {"default_baseline", a.options.default_baseline}}},
              {"metrics", metrics},
              {"summaries", summaries},
              {"unsupported", unsupported}};
}

}  // namespace moat::bench
