// Failures are data: a sandbox image that does not exist gives failed
// samples with the reason (never zeros, never dropped) and the run still
// finishes; an unavailable runtime asked for by name is recorded as not
// supported; bad options are refused before anything is made.
#include "harness_test_support.hpp"

#include <moat/bench/report/analysis.hpp>
#include <moat/bench/report/results_reader.hpp>
#include <moat/core/sandbox_service.hpp>
#include <moat/error.hpp>
#include <moat/harness/cleanup.hpp>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using namespace moat::harness_test;

TEST(Failures, MissingImageGivesFailedSamplesWithTheReason) {
  TempDir out;
  auto o = options({"boot", "cpu"}, {"runc"}, out.path());
  o.profile.boot.image = "moat-test/does-not-exist:1";
  o.profile.cpu.image = "moat-test/does-not-exist:1";
  o.repetitions = 2;
  auto outcome = moat::harness::run_bench(registry(), config(), o);
  EXPECT_FALSE(outcome.interrupted);
  ASSERT_TRUE(fs::exists(out.path() / "results.json"));
  auto r = moat::bench::load_results(out.path() / "results.json");
  EXPECT_EQ(r.manifest.images.at("moat-test/does-not-exist:1"), "missing");
  std::size_t failed = 0;
  for (const auto& s : r.samples) {
    EXPECT_FALSE(s.ok) << s.scenario << "/" << s.metric;
    EXPECT_FALSE(s.value.has_value());
    EXPECT_FALSE(s.error.empty());
    failed += !s.ok;
  }
  // boot: 11 metrics (cpu-sandbox included: runc has a cgroup) x 2 reps; cpu: 2 x 2.
  EXPECT_EQ(failed, 11u * 2 + 2u * 2);
  EXPECT_EQ(outcome.failures, failed);
  const auto create = samples_of(r, "runc", "boot", "create");
  ASSERT_EQ(create.size(), 2u);
  EXPECT_NE(create[0]->error.find("does-not-exist"), std::string::npos) << create[0]->error;
  const auto compute = samples_of(r, "runc", "cpu", "compute");
  ASSERT_EQ(compute.size(), 2u);
  EXPECT_NE(compute[0]->error.find("setup failed"), std::string::npos) << compute[0]->error;

  // The analysis counts them as an error rate of 100%, not as values.
  auto a = moat::bench::analyze(r);
  const auto* row = a.find("boot", "create", "runc");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->n_ok, 0u);
  EXPECT_EQ(row->n_failed, 2u);
  EXPECT_DOUBLE_EQ(row->error_rate, 1.0);

  moat::core::SandboxService service(registry(), config());
  EXPECT_EQ(moat::harness::leftovers_of_run(service, o.run_id), std::vector<std::string>{});
}

TEST(Failures, UnknownRuntimeAndSuiteAreRefusedBeforeAnything) {
  TempDir out;
  auto o = options({"boot"}, {"nosuch"}, out.path());
  try {
    moat::harness::run_bench(registry(), config(), o);
    FAIL() << "accepted an unknown runtime";
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE) << e.what();
  }
  EXPECT_FALSE(fs::exists(out.path() / "results.jsonl"));
  auto o2 = options({"bogus"}, {"host"}, out.path());
  try {
    moat::harness::run_bench(registry(), config(), o2);
    FAIL() << "accepted an unknown suite";
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_INVALID) << e.what();
  }
  auto o3 = options({"boot"}, {"host"}, out.path());
  o3.repetitions = 0;
  EXPECT_THROW(moat::harness::run_bench(registry(), config(), o3), moat::Error);
}

TEST(Failures, UnavailableRuntimeByNameIsNotSupportedEverywhere) {
  // kata and sysbox cannot be installed on these machines; whichever is
  // unavailable here stands in.
  std::string unavailable;
  for (const std::string id : {"kata", "sysbox"}) {
    std::string why;
    if (!available({id}, why)) {
      unavailable = id;
      break;
    }
  }
  if (unavailable.empty()) GTEST_SKIP() << "every runtime is available on this host";
  TempDir out;
  auto o = options({"cpu"}, {"host", unavailable}, out.path());
  auto outcome = moat::harness::run_bench(registry(), config(), o);
  auto r = moat::bench::load_results(out.path() / "results.json");
  EXPECT_TRUE(is_unsupported(r, unavailable, "cpu", "compute"));
  EXPECT_NE(unsupported_reason(r, unavailable, "cpu", "compute").find("unavailable"), std::string::npos);
  EXPECT_TRUE(samples_of(r, unavailable, "cpu", "compute").empty());
  ASSERT_EQ(samples_of(r, "host", "cpu", "compute").size(), 1u);
  EXPECT_TRUE(samples_of(r, "host", "cpu", "compute")[0]->ok);
  EXPECT_FALSE(r.manifest.runtimes.at(unavailable).extra.value("available", true));
}

}  // namespace
