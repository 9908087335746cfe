// Every scenario for real, one repetition in a tiny configuration, on host,
// runc and (when available) gvisor: each declared metric is either measured
// successfully or recorded as not supported with a reason - nothing is
// missing, nothing failed - and nothing of the run remains afterwards.
#include "harness_test_support.hpp"

#include <moat/bench/report/results_reader.hpp>
#include <moat/core/sandbox_service.hpp>
#include <moat/harness/cleanup.hpp>

#include <cmath>
#include <iostream>
#include <set>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using namespace moat::harness_test;

std::vector<std::string> runtimes_under_test() {
  std::vector<std::string> ids = {"host", "runc"};
  std::string why;
  if (available({"gvisor"}, why))
    ids.push_back("gvisor");
  else
    std::cerr << "note: gvisor is not available here, so it is not part of this test: " << why << "\n";
  return ids;
}

// Runs one scenario and checks every (runtime, metric) is accounted for.
// `unsupported` lists the (runtime, metric) pairs expected to be unsupported.
moat::bench::Results run_scenario(const std::string& scenario,
                                  const std::set<std::pair<std::string, std::string>>& unsupported,
                                  const std::function<void(moat::harness::BenchOptions&)>& tweak = {}) {
  std::string why;
  if (!available({"host", "runc"}, why)) throw std::runtime_error("host and runc must be available: " + why);
  TempDir out;
  auto runtimes = runtimes_under_test();
  auto o = options({scenario}, runtimes, out.path());
  if (tweak) tweak(o);
  runtimes = o.runtimes;
  const std::string run_id = o.run_id;
  auto outcome = moat::harness::run_bench(registry(), config(), o);
  EXPECT_FALSE(outcome.interrupted);
  EXPECT_TRUE(outcome.cleanup_errors.empty());
  EXPECT_TRUE(fs::exists(out.path() / "results.json"));
  EXPECT_TRUE(fs::exists(out.path() / "results.jsonl"));
  auto r = moat::bench::load_results(out.path() / "results.json");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.manifest.run_id, run_id);
  EXPECT_EQ(r.manifest.seed, 42u);
  EXPECT_FALSE(r.manifest.host.kernel.empty());
  EXPECT_FALSE(r.manifest.engine.version.empty());
  for (const auto& id : runtimes) {
    EXPECT_TRUE(r.manifest.runtimes.contains(id)) << id;
    if (r.manifest.runtimes.contains(id)) {
      EXPECT_FALSE(r.manifest.runtimes.at(id).version.empty()) << id;
    }
  }
  EXPECT_FALSE(r.manifest.runtimes.at("runc").engine_runtime.empty()) << "runc runs on an engine runtime";
  EXPECT_TRUE(r.manifest.runtimes.at("host").engine_runtime.empty());
  for (const auto& [ref, digest] : r.manifest.images) EXPECT_EQ(digest.rfind("sha256:", 0), 0u) << ref << " " << digest;

  bool any_metric = false;
  for (const auto& m : r.metrics) {
    if (m.scenario != scenario) continue;
    any_metric = true;
    for (const auto& id : runtimes) {
      const bool expect_unsupported = unsupported.contains({id, m.metric});
      const auto samples = samples_of(r, id, scenario, m.metric);
      if (expect_unsupported) {
        EXPECT_TRUE(is_unsupported(r, id, scenario, m.metric)) << id << " " << m.metric;
        EXPECT_FALSE(unsupported_reason(r, id, scenario, m.metric).empty());
        EXPECT_TRUE(samples.empty()) << id << " " << m.metric;
        continue;
      }
      EXPECT_FALSE(is_unsupported(r, id, scenario, m.metric))
          << id << " " << m.metric << ": " << unsupported_reason(r, id, scenario, m.metric);
      EXPECT_EQ(samples.size(), static_cast<std::size_t>(o.repetitions.value_or(1))) << id << " " << m.metric;
      for (const auto* s : samples) {
        EXPECT_TRUE(s->ok) << id << " " << m.metric << ": " << s->error;
        if (!s->ok) continue;
        EXPECT_TRUE(std::isfinite(*s->value)) << id << " " << m.metric;
        EXPECT_GE(*s->value, 0) << id << " " << m.metric;
      }
    }
  }
  EXPECT_TRUE(any_metric) << "scenario " << scenario << " declared no metric";
  moat::core::SandboxService service(registry(), config());
  EXPECT_EQ(moat::harness::leftovers_of_run(service, run_id), std::vector<std::string>{});
  return r;
}

std::string gvisor_or(const std::string& fallback) {
  auto ids = runtimes_under_test();
  return std::find(ids.begin(), ids.end(), "gvisor") != ids.end() ? "gvisor" : fallback;
}

TEST(Scenarios, Boot) {
  auto r = run_scenario("boot", {{"host", "ready"}, {"host", "to-ready"}, {"host", "cpu-sandbox"}});
  // The phases add up to less than the total (the rest is the harness's gaps).
  for (const std::string& id : std::vector<std::string>{"runc", gvisor_or("runc")}) {
    double sum = 0;
    for (const char* phase : {"create", "start", "ready", "exec", "stop", "remove"})
      sum += *samples_of(r, id, "boot", phase).at(0)->value;
    const double total = *samples_of(r, id, "boot", "total").at(0)->value;
    EXPECT_LE(sum, total + 1e-6) << id;
    EXPECT_GT(sum, 0.9 * total) << id;
    EXPECT_LT(*samples_of(r, id, "boot", "overhead").at(0)->value, total) << id;
  }
}

TEST(Scenarios, Build) {
  std::string why;
  if (!client().inspect_image("moat/dind:bookworm"))
    FAIL() << "moat/dind:bookworm is missing: run 'moat image prepare dind' once (it is cached)";
  std::set<std::pair<std::string, std::string>> unsupported = {{"host", "docker.cold"}, {"host", "docker.warm"}};
  if (gvisor_or("") == "gvisor") {
    // The Debian 12 runsc cannot start an inner dockerd.
    unsupported.insert({"gvisor", "docker.cold"});
    unsupported.insert({"gvisor", "docker.warm"});
  }
  auto r = run_scenario("build", unsupported);
  if (gvisor_or("") == "gvisor") {
    const std::string reason = unsupported_reason(r, "gvisor", "build", "docker.cold");
    EXPECT_NE(reason.find("Docker-in-Docker"), std::string::npos) << reason;
  }
  EXPECT_NE(unsupported_reason(r, "host", "build", "docker.cold").find("Docker-in-Docker"), std::string::npos);
}

TEST(Scenarios, Io) {
  std::set<std::pair<std::string, std::string>> unsupported;
  for (const char* job : {"seqread-1m.volume.bw", "randwrite-4k.volume.iops", "fsync-4k.volume.iops"})
    unsupported.insert({"host", job});
  auto r = run_scenario("io", unsupported);
  // Bandwidth is MiB/s (higher is better), random and fsync jobs IOPS.
  const auto* m = r.find_metric("io", "seqread-1m.rootfs.bw");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->unit, "MiB/s");
  EXPECT_EQ(m->direction, moat::bench::Direction::higher_is_better);
}

TEST(Scenarios, Cpu) {
  auto r = run_scenario("cpu", {});
  for (const std::string id : {"host", "runc"}) {
    const double wall = *samples_of(r, id, "cpu", "compute").at(0)->value;
    const double cpu = *samples_of(r, id, "cpu", "compute-cpu").at(0)->value;
    EXPECT_GT(wall, 0);
    EXPECT_LE(cpu, wall * 1.05 + 1) << id << ": CPU time above the wall time";
  }
}

TEST(Scenarios, Density) {
  auto r = run_scenario("density", {{"host", "memory"}, {"host", "rss"}});
  EXPECT_GT(*samples_of(r, "runc", "density", "memory").at(0)->value, 0);
}

TEST(Scenarios, WarmupsAndRepetitionsInterleaved) {
  // Two warm-ups and two repetitions of the cheapest scenario on two runtimes.
  auto r = run_scenario("cpu", {}, [](moat::harness::BenchOptions& o) {
    o.runtimes = {"host", "runc"};
    o.warmup = 2;
    o.repetitions = 2;
  });
  std::size_t warm = 0, measured = 0;
  for (const auto& s : r.samples) (s.warmup ? warm : measured)++;
  EXPECT_EQ(warm, 2u * 2u * 2u);  // 2 warm-ups x 2 runtimes x 2 metrics
  EXPECT_EQ(measured, 2u * 2u * 2u);
  EXPECT_EQ(r.manifest.parameters["plans"]["cpu"]["warmup"], 2);
  // Every repetition ran each runtime once.
  for (int rep = 0; rep < 2; ++rep)
    for (const std::string id : {"host", "runc"}) {
      int n = 0;
      for (const auto& s : r.samples) n += !s.warmup && s.repetition == rep && s.runtime == id && s.metric == "compute";
      EXPECT_EQ(n, 1) << id << " rep " << rep;
    }
}

}  // namespace
