#include <moat/bench/report/compare.hpp>

#include <moat/bench/stats/mann_whitney.hpp>
#include <moat/bench/stats/permutation.hpp>
#include <moat/bench/stats/quantile.hpp>
#include <moat/bench/stats/random.hpp>
#include <moat/error.hpp>

#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace moat::bench {

using nlohmann::json;

std::string_view to_string(ChangeKind k) noexcept {
  switch (k) {
    case ChangeKind::unchanged:
      return "unchanged";
    case ChangeKind::improved:
      return "improved";
    case ChangeKind::worse:
      return "worse";
    case ChangeKind::regressed:
      return "regressed";
    case ChangeKind::failed:
      return "failed";
    case ChangeKind::fixed:
      return "fixed";
    case ChangeKind::only_in_base:
      return "only-in-base";
    case ChangeKind::only_in_new:
      return "only-in-new";
  }
  return "unknown";
}

namespace {

// Google Benchmark's tools/compare.py warns below 9 repetitions
// (UTEST_OPTIMAL_REPETITIONS): the U test has too little power to find a shift.
constexpr std::size_t kMinRepetitionsForTest = 9;

using Key = std::tuple<std::string, std::string, std::string>;  // scenario, metric, runtime

struct Group {
  std::vector<double> values;
  std::size_t failed = 0;
  bool seen = false;
};

std::map<Key, Group> group(const Results& r) {
  std::map<Key, Group> out;
  for (const Sample& s : r.samples) {
    if (s.warmup) continue;
    Group& g = out[{s.scenario, s.metric, s.runtime}];
    g.seen = true;
    if (s.ok) {
      g.values.push_back(*s.value);
    } else {
      ++g.failed;
    }
  }
  return out;
}

double error_rate(const Group& g) {
  const std::size_t n = g.values.size() + g.failed;
  return n ? static_cast<double>(g.failed) / static_cast<double>(n) : 0.0;
}

void check(const CompareOptions& o) {
  if (!(o.alpha > 0 && o.alpha < 1)) throw moat::Error(MOAT_E_INVALID, "compare: alpha must be in (0, 1)");
  if (!(o.noise_floor >= 0)) throw moat::Error(MOAT_E_INVALID, "compare: the noise floor must be >= 0");
  if (!(o.threshold >= 0)) throw moat::Error(MOAT_E_INVALID, "compare: the threshold must be >= 0");
}

void warn_differences(const Results& base, const Results& now, std::vector<std::string>& w) {
  const Manifest& a = base.manifest;
  const Manifest& b = now.manifest;
  auto diff = [&](const std::string& what, const std::string& x, const std::string& y) {
    if (x != y) w.push_back(what + " differs: \"" + x + "\" (base) vs \"" + y + "\" (new)");
  };
  diff("host", a.host.hostname, b.host.hostname);
  diff("kernel", a.host.kernel, b.host.kernel);
  diff("CPU", a.host.cpu_model, b.host.cpu_model);
  diff("engine version", a.engine.version, b.engine.version);
  diff("profile", a.profile, b.profile);
  for (const auto& [id, r] : b.runtimes) {
    if (auto it = a.runtimes.find(id); it != a.runtimes.end())
      diff("runtime " + id + " version", it->second.version, r.version);
  }
  if (!base.complete) w.push_back("the base run did not finish");
  if (!now.complete) w.push_back("the new run did not finish");
}

}  // namespace

Comparison compare(const Results& base, const Results& now, const CompareOptions& options) {
  check(options);
  Comparison c;
  c.options = options;
  c.base_run_id = base.manifest.run_id;
  c.new_run_id = now.manifest.run_id;
  warn_differences(base, now, c.warnings);

  const std::map<Key, Group> gb = group(base);
  const std::map<Key, Group> gn = group(now);

  // Keys in NEW's metric declaration order (runtimes sorted), then BASE-only keys.
  std::vector<std::pair<Key, const MetricInfo*>> keys;
  std::set<Key> listed;
  auto add_keys = [&](const Results& r, const std::map<Key, Group>& groups) {
    for (const MetricInfo& m : r.metrics) {
      for (const auto& [k, g] : groups) {
        if (std::get<0>(k) == m.scenario && std::get<1>(k) == m.metric && listed.insert(k).second) {
          keys.emplace_back(k, &m);
        }
      }
    }
  };
  add_keys(now, gn);
  add_keys(base, gb);

  const double floor = std::max(options.noise_floor, 0.0);
  for (const auto& [key, info] : keys) {
    const auto& [scenario, metric, runtime] = key;
    MetricComparison mc;
    mc.scenario = scenario;
    mc.metric = metric;
    mc.runtime = runtime;
    mc.unit = info->unit;
    mc.direction = info->direction;
    if (const MetricInfo* other = base.find_metric(scenario, metric);
        other != nullptr && now.find_metric(scenario, metric) != nullptr) {
      if (other->unit != info->unit) c.warnings.push_back(scenario + "/" + metric + ": unit differs between the runs");
      if (other->direction != info->direction) {
        c.warnings.push_back(scenario + "/" + metric + ": direction differs between the runs; using NEW's");
      }
    }

    auto ib = gb.find(key);
    auto in = gn.find(key);
    if (ib == gb.end()) {
      mc.kind = ChangeKind::only_in_new;
    } else if (in == gn.end()) {
      mc.kind = ChangeKind::only_in_base;
    }
    const Group empty;
    const Group& b = ib != gb.end() ? ib->second : empty;
    const Group& n = in != gn.end() ? in->second : empty;
    mc.n_base = b.values.size();
    mc.n_new = n.values.size();
    mc.error_rate_base = error_rate(b);
    mc.error_rate_new = error_rate(n);
    if (!b.values.empty()) mc.median_base = stats::median(b.values);
    if (!n.values.empty()) mc.median_new = stats::median(n.values);

    if (mc.kind == ChangeKind::only_in_base || mc.kind == ChangeKind::only_in_new) {
      c.metrics.push_back(std::move(mc));
      continue;
    }
    if (b.values.empty() && n.values.empty()) {
      mc.note = "no successful samples in either run";
      c.metrics.push_back(std::move(mc));
      continue;
    }
    if (n.values.empty()) {
      mc.kind = ChangeKind::failed;
      mc.note = "every sample failed in NEW";
      c.metrics.push_back(std::move(mc));
      continue;
    }
    if (b.values.empty()) {
      mc.kind = ChangeKind::fixed;
      mc.note = "every sample failed in BASE";
      c.metrics.push_back(std::move(mc));
      continue;
    }

    const std::string seed_key = runtime + "|" + scenario + "|" + metric;
    if (*mc.median_base != 0) {
      mc.change = (*mc.median_new - *mc.median_base) / std::fabs(*mc.median_base);
      mc.ratio = stats::bootstrap_ratio_of_medians(
          b.values, n.values,
          stats::BootstrapOptions{options.bootstrap_resamples, options.confidence,
                                  stats::derive_seed(options.seed, seed_key + "|ratio")});
    } else {
      mc.note = "base median is 0: no relative change";
    }

    if (options.test == SignificanceTest::mann_whitney) {
      const stats::MannWhitneyResult mw = stats::mann_whitney_u(b.values, n.values);
      mc.p_value = mw.p_value;
      mc.test = mw.exact ? "mann-whitney (exact)" : "mann-whitney (normal approx.)";
    } else {
      const stats::PermutationResult pr = stats::permutation_test_median_difference(
          b.values, n.values,
          stats::PermutationOptions{options.permutations, stats::derive_seed(options.seed, seed_key + "|perm")});
      mc.p_value = pr.p_value;
      mc.test = "permutation";
    }
    if (std::min(mc.n_base, mc.n_new) < kMinRepetitionsForTest) {
      mc.note = "n < " + std::to_string(kMinRepetitionsForTest) + ": the test has little power, repeat more";
    }

    mc.significant = mc.change && *mc.p_value < options.alpha && std::fabs(*mc.change) > floor;
    if (mc.significant) {
      const bool bad = mc.direction == Direction::lower_is_better ? *mc.change > 0 : *mc.change < 0;
      if (!bad) {
        mc.kind = ChangeKind::improved;
      } else {
        mc.kind = std::fabs(*mc.change) > options.threshold ? ChangeKind::regressed : ChangeKind::worse;
      }
    }
    c.metrics.push_back(std::move(mc));
  }

  for (const MetricComparison& m : c.metrics) {
    if (m.kind == ChangeKind::regressed || m.kind == ChangeKind::failed) ++c.regressions;
    if (m.kind == ChangeKind::improved || m.kind == ChangeKind::fixed) ++c.improvements;
  }
  c.regression = c.regressions > 0;
  return c;
}

namespace {
json opt_number(const std::optional<double>& v) { return v && std::isfinite(*v) ? json(*v) : json(nullptr); }
json finite(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
}  // namespace

json to_json(const Comparison& c) {
  json metrics = json::array();
  for (const MetricComparison& m : c.metrics) {
    json j{{"runtime", m.runtime},
           {"scenario", m.scenario},
           {"metric", m.metric},
           {"unit", m.unit},
           {"direction", std::string(to_string(m.direction))},
           {"n_base", m.n_base},
           {"n_new", m.n_new},
           {"error_rate_base", m.error_rate_base},
           {"error_rate_new", m.error_rate_new},
           {"median_base", opt_number(m.median_base)},
           {"median_new", opt_number(m.median_new)},
           {"change", opt_number(m.change)},
           {"p_value", opt_number(m.p_value)},
           {"test", m.test},
           {"significant", m.significant},
           {"kind", std::string(to_string(m.kind))}};
    if (m.ratio) {
      j["ratio"] = json{{"estimate", finite(m.ratio->estimate)}, {"lower", finite(m.ratio->lower)},
                        {"upper", finite(m.ratio->upper)},       {"confidence", m.ratio->confidence},
                        {"resamples", m.ratio->resamples},       {"seed", m.ratio->seed}};
    } else {
      j["ratio"] = nullptr;
    }
    if (!m.note.empty()) j["note"] = m.note;
    metrics.push_back(std::move(j));
  }
  return json{{"format", "moat-comparison"},
              {"base_run_id", c.base_run_id},
              {"new_run_id", c.new_run_id},
              {"options",
               {{"alpha", c.options.alpha},
                {"noise_floor", c.options.noise_floor},
                {"threshold", c.options.threshold},
                {"test", c.options.test == SignificanceTest::mann_whitney ? "mann-whitney" : "permutation"},
                {"seed", c.options.seed}}},
              {"verdict", c.regression ? "regression" : "pass"},
              {"regressions", c.regressions},
              {"improvements", c.improvements},
              {"warnings", c.warnings},
              {"metrics", metrics}};
}

}  // namespace moat::bench
