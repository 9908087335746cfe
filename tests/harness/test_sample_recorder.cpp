// The recorder's rule: every declared metric of a sample ends up as a value,
// a failure with a reason, or excluded as unsupported - never dropped.
#include "harness_test_support.hpp"

#include <moat/bench/report/results_reader.hpp>
#include <moat/error.hpp>
#include <moat/harness/sample_recorder.hpp>

#include <gtest/gtest.h>

namespace {

using moat::bench::Direction;
using moat::bench::MetricInfo;
using moat::harness::SampleRecorder;
using moat::harness::SampleScope;
using moat::harness_test::TempDir;

moat::bench::Manifest manifest() {
  moat::bench::Manifest m;
  m.run_id = "th-recorder";
  m.started = "2024-01-01T00:00:00.000000Z";
  m.runtimes["a"].id = "a";
  m.runtimes["b"].id = "b";
  return m;
}

class RecorderTest : public ::testing::Test {
 protected:
  TempDir dir;
  moat::bench::ResultsWriter writer{dir.path() / "r.jsonl", manifest()};
  SampleRecorder recorder{writer, nullptr};
  void SetUp() override {
    recorder.declare({MetricInfo{"s", "x", "ms", Direction::lower_is_better, ""},
                      MetricInfo{"s", "y", "ms", Direction::lower_is_better, ""},
                      MetricInfo{"s", "z", "ms", Direction::lower_is_better, ""}});
  }
};

TEST_F(RecorderTest, FailRemainingCoversEveryUnrecordedMetric) {
  SampleScope scope(recorder, "a", "s", 0, false);
  scope.value("x", 1.5);
  scope.fail_remaining("boom");
  auto r = writer.snapshot();
  ASSERT_EQ(r.samples.size(), 3u);
  EXPECT_TRUE(r.samples[0].ok);
  EXPECT_FALSE(r.samples[1].ok);
  EXPECT_EQ(r.samples[1].error, "boom");
  EXPECT_EQ(r.samples[2].metric, "z");
  EXPECT_EQ(recorder.failures(), 2u);
}

TEST_F(RecorderTest, UnsupportedMetricsAreNeitherValuesNorFailures) {
  recorder.unsupported("a", "s", "y", "no y here");
  recorder.unsupported("a", "s", "y", "again");  // recorded once
  SampleScope scope(recorder, "a", "s", 0, false);
  scope.value("y", 3);  // ignored
  scope.fail_remaining("boom");
  auto r = writer.snapshot();
  ASSERT_EQ(r.unsupported.size(), 1u);
  EXPECT_EQ(r.unsupported[0].reason, "no y here");
  for (const auto& s : r.samples) EXPECT_NE(s.metric, "y");
  EXPECT_EQ(r.samples.size(), 2u);
}

TEST_F(RecorderTest, WholeScenarioUnsupportedRecordsNothing) {
  recorder.unsupported("b", "s", "", "not here");
  SampleScope scope(recorder, "b", "s", 0, false);
  scope.fail_remaining("boom");
  EXPECT_TRUE(writer.snapshot().samples.empty());
  EXPECT_TRUE(recorder.is_unsupported("b", "s", "x"));
}

TEST_F(RecorderTest, ASecondRecordOfOneMetricIsABug) {
  SampleScope scope(recorder, "a", "s", 0, false);
  scope.value("x", 1);
  try {
    scope.value("x", 2);
    FAIL() << "recorded twice";
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_INTERNAL);
  }
  EXPECT_THROW(scope.value("undeclared", 1), moat::Error);
}

TEST_F(RecorderTest, EverySampleIsInTheJsonlAsItCompletes) {
  SampleScope scope(recorder, "a", "s", 2, true);
  scope.value("x", 1);
  auto r = moat::bench::load_results(dir.path() / "r.jsonl");
  EXPECT_FALSE(r.complete);
  ASSERT_EQ(r.samples.size(), 1u);
  EXPECT_TRUE(r.samples[0].warmup);
  EXPECT_EQ(r.samples[0].repetition, 2);
}

}  // namespace
