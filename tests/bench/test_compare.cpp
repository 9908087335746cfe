// compare: a synthetic 30% regression is flagged, a 1% change is not, and
// the direction of each metric decides what "worse" means.
#include <moat/bench/report/compare.hpp>
#include <moat/bench/report/csv_writer.hpp>
#include <moat/bench/report/markdown_writer.hpp>
#include <moat/bench/report/table_writer.hpp>
#include <moat/error.hpp>

#include <gtest/gtest.h>

#include "fixtures.hpp"

using namespace moat::bench;
using moat::bench::testing::synthetic_results;

namespace {

const MetricComparison* find(const Comparison& c, const std::string& rt, const std::string& sc, const std::string& m) {
  for (const MetricComparison& x : c.metrics) {
    if (x.runtime == rt && x.scenario == sc && x.metric == m) return &x;
  }
  return nullptr;
}

void scale_values(Results& r, const std::string& rt, const std::string& sc, double f) {
  for (Sample& s : r.samples) {
    if (s.runtime == rt && s.scenario == sc && s.value) *s.value *= f;
  }
}

}  // namespace

TEST(Compare, FlagsThirtyPercentRegression) {
  const Results base = synthetic_results(1);
  const Results now = synthetic_results(2, /*gvisor_boot_scale=*/1.3);
  const Comparison c = compare(base, now);
  EXPECT_TRUE(c.regression);
  const MetricComparison* m = find(c, "gvisor", "boot", "start");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->kind, ChangeKind::regressed);
  EXPECT_TRUE(m->significant);
  EXPECT_NEAR(*m->change, 0.30, 0.06);
  EXPECT_LT(*m->p_value, 0.001);
  ASSERT_TRUE(m->ratio.has_value());
  EXPECT_GT(m->ratio->lower, 1.15);
  // Every gvisor boot metric moved by 30%; runc's did not move.
  for (const std::string phase : {"create", "start", "ready", "exec", "stop", "remove", "total"}) {
    EXPECT_EQ(find(c, "gvisor", "boot", phase)->kind, ChangeKind::regressed) << phase;
    EXPECT_EQ(find(c, "runc", "boot", phase)->kind, ChangeKind::unchanged) << phase;
  }
  EXPECT_EQ(c.regressions, 7u);
  EXPECT_NE(render_table(c).find("REGRESSION"), std::string::npos);
  EXPECT_EQ(to_json(c)["verdict"], "regression");
}

TEST(Compare, OnePercentChangeIsNotSignificant) {
  const Comparison c = compare(synthetic_results(1), synthetic_results(2, 1.01));
  EXPECT_FALSE(c.regression) << render_table(c);
  for (const MetricComparison& m : c.metrics) {
    EXPECT_FALSE(m.kind == ChangeKind::regressed || m.kind == ChangeKind::failed) << m.runtime << " " << m.metric;
    if (m.scenario == "boot") {
      EXPECT_FALSE(m.significant) << m.runtime << " " << m.metric << " change " << *m.change;
    }
  }
  EXPECT_EQ(to_json(c)["verdict"], "pass");
}

TEST(Compare, ImprovementIsNotARegression) {
  const Comparison c = compare(synthetic_results(1), synthetic_results(2, 0.7));
  EXPECT_FALSE(c.regression);
  EXPECT_EQ(find(c, "gvisor", "boot", "create")->kind, ChangeKind::improved);
  EXPECT_GE(c.improvements, 7u);
}

TEST(Compare, ThresholdSeparatesWorseFromRegressed) {
  const Results base = synthetic_results(1);
  const Results now = synthetic_results(2, 1.10);
  CompareOptions lenient;
  lenient.threshold = 0.20;
  const Comparison a = compare(base, now, lenient);
  EXPECT_FALSE(a.regression);
  EXPECT_EQ(find(a, "gvisor", "boot", "start")->kind, ChangeKind::worse);
  CompareOptions strict;
  strict.threshold = 0.05;
  EXPECT_TRUE(compare(base, now, strict).regression);
}

TEST(Compare, HigherIsBetterDirection) {
  Results now = synthetic_results(2);
  scale_values(now, "gvisor", "io", 0.7);  // bandwidth down 30%: worse
  const Comparison c = compare(synthetic_results(1), now);
  EXPECT_EQ(find(c, "gvisor", "io", "seqread-1m.rootfs.bw")->kind, ChangeKind::regressed);
  Results faster = synthetic_results(2);
  scale_values(faster, "gvisor", "io", 1.3);  // bandwidth up: better
  EXPECT_EQ(find(compare(synthetic_results(1), faster), "gvisor", "io", "seqread-1m.rootfs.bw")->kind,
            ChangeKind::improved);
}

TEST(Compare, AllFailedIsARegressionAndMissingMetricsAreListed) {
  Results now = synthetic_results(2);
  for (Sample& s : now.samples) {
    if (s.runtime == "runc" && s.scenario == "cpu") {
      s.ok = false;
      s.value.reset();
      s.error = "workload crashed";
    }
  }
  now.samples.erase(std::remove_if(now.samples.begin(), now.samples.end(),
                                   [](const Sample& s) { return s.runtime == "host" && s.scenario == "io"; }),
                    now.samples.end());
  const Comparison c = compare(synthetic_results(1), now);
  EXPECT_TRUE(c.regression);
  EXPECT_EQ(find(c, "runc", "cpu", "compute")->kind, ChangeKind::failed);
  EXPECT_DOUBLE_EQ(find(c, "runc", "cpu", "compute")->error_rate_new, 1.0);
  EXPECT_EQ(find(c, "host", "io", "seqread-1m.rootfs.bw")->kind, ChangeKind::only_in_base);
}

TEST(Compare, PermutationTestAgrees) {
  CompareOptions o;
  o.test = SignificanceTest::permutation;
  o.permutations = 2000;
  o.seed = 9;
  const Comparison reg = compare(synthetic_results(1), synthetic_results(2, 1.3), o);
  EXPECT_TRUE(reg.regression);
  EXPECT_EQ(find(reg, "gvisor", "boot", "start")->test, "permutation");
  EXPECT_FALSE(compare(synthetic_results(1), synthetic_results(2, 1.01), o).regression);
}

TEST(Compare, FewRepetitionsAreNoted) {
  const Comparison c = compare(synthetic_results(1, 1.0, 5), synthetic_results(2, 1.0, 5));
  EXPECT_NE(find(c, "runc", "boot", "start")->note.find("n < 9"), std::string::npos);
}

TEST(Compare, WarnsAboutDifferentHosts) {
  Results now = synthetic_results(2);
  now.manifest.host.kernel = "6.8.0";
  const Comparison c = compare(synthetic_results(1), now);
  ASSERT_FALSE(c.warnings.empty());
  EXPECT_NE(c.warnings.front().find("kernel"), std::string::npos);
}

TEST(Compare, RenderingsCarryTheVerdict) {
  const Comparison c = compare(synthetic_results(1), synthetic_results(2, 1.3));
  const std::string md = render_markdown(c);
  EXPECT_NE(md.find("REGRESSION"), std::string::npos);
  EXPECT_NE(md.find("| scenario | metric | runtime |"), std::string::npos);
  const std::string csv = render_compare_csv(c);
  EXPECT_EQ(csv.rfind("base_run_id,new_run_id,scenario,metric,runtime", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), static_cast<long>(c.metrics.size() + 1));
  CompareOptions bad;
  bad.alpha = 0;
  EXPECT_THROW(compare(synthetic_results(1), synthetic_results(2), bad), moat::Error);
}
