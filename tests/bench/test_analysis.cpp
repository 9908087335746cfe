// Analysis: statistics over measured successful samples only, error rates,
// ratios to the configured baseline, noisy flags and ranks.
#include <moat/bench/report/analysis.hpp>
#include <moat/bench/stats/descriptive.hpp>
#include <moat/error.hpp>

#include <gtest/gtest.h>

#include "fixtures.hpp"

using namespace moat::bench;
using moat::bench::testing::synthetic_results;

namespace {

std::vector<double> measured_values(const Results& r, const std::string& rt, const std::string& sc,
                                    const std::string& m) {
  std::vector<double> v;
  for (const Sample& s : r.samples) {
    if (s.runtime == rt && s.scenario == sc && s.metric == m && !s.warmup && s.ok) v.push_back(*s.value);
  }
  return v;
}

}  // namespace

TEST(Analysis, StatisticsUseMeasuredSuccessfulSamplesOnly) {
  const Results r = synthetic_results(5);
  const Analysis a = analyze(r);
  // 7 boot metrics x 2 runtimes + io x 3 + cpu x 3.
  EXPECT_EQ(a.summaries.size(), 7u * 2 + 3 + 3);

  const MetricSummary* s = a.find("boot", "start", "gvisor");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->n_warmup, 2u);
  EXPECT_EQ(s->n_ok, 13u);
  EXPECT_EQ(s->n_failed, 2u);
  EXPECT_NEAR(s->error_rate, 2.0 / 15.0, 1e-12);
  ASSERT_EQ(s->errors.size(), 1u);
  EXPECT_EQ(s->errors.begin()->second, 2u);

  // The same numbers as describe() on the filtered raw values.
  const stats::Summary expect = stats::describe(measured_values(r, "gvisor", "boot", "start"));
  ASSERT_TRUE(s->stats.has_value());
  EXPECT_EQ(s->stats->median, expect.median);
  EXPECT_EQ(s->stats->p95, expect.p95);
  EXPECT_EQ(s->stats->stddev, expect.stddev);
  ASSERT_TRUE(s->median_ci.has_value());
  EXPECT_LE(s->median_ci->lower, s->stats->median);
  EXPECT_GE(s->median_ci->upper, s->stats->median);
}

TEST(Analysis, RatiosToPerScenarioBaselines) {
  const Analysis a = analyze(synthetic_results(5));
  EXPECT_EQ(a.baseline_for("boot"), "runc");
  EXPECT_EQ(a.baseline_for("io"), "host");
  EXPECT_EQ(a.baseline_for("cpu"), "host");

  const MetricSummary* runc = a.find("boot", "start", "runc");
  ASSERT_NE(runc, nullptr);
  EXPECT_TRUE(runc->is_baseline);
  EXPECT_FALSE(runc->ratio.has_value());
  // Baseline first in the ordering.
  EXPECT_EQ(a.for_metric("boot", "start").front()->runtime, "runc");

  const MetricSummary* gv = a.find("boot", "create", "gvisor");
  ASSERT_TRUE(gv && gv->ratio);
  EXPECT_NEAR(gv->ratio->estimate, 1.6, 0.08);  // generated with a 1.6x scale, 4% noise
  EXPECT_LT(gv->ratio->lower, gv->ratio->estimate);
  EXPECT_GT(gv->ratio->upper, gv->ratio->estimate);
  EXPECT_EQ(gv->ratio->resamples, 2000u);

  const MetricSummary* io = a.find("io", "seqread-1m.rootfs.bw", "gvisor");
  ASSERT_TRUE(io && io->ratio);
  EXPECT_EQ(io->baseline, "host");
  EXPECT_NEAR(io->ratio->estimate, 950.0 / 1800.0, 0.03);
}

TEST(Analysis, NoisyRowsAreNotRanked) {
  const Analysis a = analyze(synthetic_results(5));
  const MetricSummary* gv = a.find("cpu", "compute", "gvisor");
  ASSERT_NE(gv, nullptr);
  EXPECT_TRUE(gv->noisy) << "CoV " << gv->stats->cov;
  EXPECT_FALSE(gv->rank.has_value());
  EXPECT_EQ(a.find("cpu", "compute", "host")->rank, 1);
  EXPECT_EQ(a.find("cpu", "compute", "runc")->rank, 2);
  // Higher is better for bandwidth: host (1800) > runc (1750) > gvisor (950).
  EXPECT_EQ(a.find("io", "seqread-1m.rootfs.bw", "host")->rank, 1);
  EXPECT_EQ(a.find("io", "seqread-1m.rootfs.bw", "gvisor")->rank, 3);
  EXPECT_FALSE(a.find("boot", "start", "runc")->noisy);
}

TEST(Analysis, ConfigurableBaselineAndMissingBaseline) {
  AnalysisOptions o;
  o.baselines["boot"] = "gvisor";
  o.baselines["cpu"] = "kata";
  const Analysis a = analyze(synthetic_results(5), o);
  const MetricSummary* runc = a.find("boot", "create", "runc");
  ASSERT_TRUE(runc && runc->ratio);
  EXPECT_NEAR(runc->ratio->estimate, 1 / 1.6, 0.04);
  const MetricSummary* cpu = a.find("cpu", "compute", "runc");
  EXPECT_FALSE(cpu->ratio.has_value());
  EXPECT_NE(cpu->ratio_note.find("not measured"), std::string::npos);
}

TEST(Analysis, ReproducibleAndSeeded) {
  const Results r = synthetic_results(5);
  const Analysis a = analyze(r);
  const Analysis b = analyze(r);
  const MetricSummary* x = a.find("boot", "stop", "gvisor");
  const MetricSummary* y = b.find("boot", "stop", "gvisor");
  EXPECT_EQ(x->ratio->lower, y->ratio->lower);
  EXPECT_EQ(x->ratio->upper, y->ratio->upper);
  EXPECT_EQ(a.seed, r.manifest.seed);
  AnalysisOptions o;
  o.seed = 777;
  const Analysis c = analyze(r, o);
  EXPECT_EQ(c.seed, 777u);
  const MetricSummary* z = c.find("boot", "stop", "gvisor");
  EXPECT_TRUE(z->ratio->lower != x->ratio->lower || z->ratio->upper != x->ratio->upper);
}

TEST(Analysis, AllFailedRowHasNoStatsAndFullErrorRate) {
  Results r = synthetic_results(5);
  for (Sample& s : r.samples) {
    if (s.runtime == "gvisor" && s.scenario == "boot" && s.metric == "exec" && !s.warmup) {
      s.ok = false;
      s.value.reset();
      s.error = "exec failed";
    }
  }
  const Analysis a = analyze(r);
  const MetricSummary* s = a.find("boot", "exec", "gvisor");
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->stats.has_value());
  EXPECT_DOUBLE_EQ(s->error_rate, 1.0);
  EXPECT_TRUE(s->noisy);
  EXPECT_FALSE(s->rank.has_value());
  EXPECT_FALSE(s->ratio.has_value());
  EXPECT_EQ(s->ratio_note, "no successful samples");
}

TEST(Analysis, JsonHasNullsNotNaN) {
  Results r = synthetic_results(5);
  r.samples.erase(
      std::remove_if(r.samples.begin(), r.samples.end(),
                     [](const Sample& s) { return s.runtime == "host" && s.scenario == "cpu" && s.repetition > 0; }),
      r.samples.end());
  const nlohmann::json j = to_json(analyze(r));
  EXPECT_EQ(j["format"], "moat-analysis");
  bool found = false;
  for (const auto& s : j["summaries"]) {
    if (s["runtime"] == "host" && s["scenario"] == "cpu") {
      found = true;
      EXPECT_EQ(s["n"], 1);
      EXPECT_TRUE(s["stats"]["stddev"].is_null());
      EXPECT_TRUE(s["noisy"].get<bool>());
    }
  }
  EXPECT_TRUE(found);
  // dump() writes a NaN or infinite number as null, so a document holding one
  // does not survive the round trip: equal only when every missing value is a
  // real null.
  EXPECT_EQ(nlohmann::json::parse(j.dump()), j) << "a NaN or infinity in the analysis JSON";
}

TEST(Analysis, RejectsBadOptions) {
  AnalysisOptions o;
  o.noisy_cov = 0;
  EXPECT_THROW(analyze(synthetic_results(1), o), moat::Error);
}
