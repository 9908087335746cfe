// Interruption: the cancellation flag set in the middle of a run (what
// Ctrl-C and SIGTERM do through the CLI) stops it between samples; nothing
// labelled with the run id remains, and the JSONL holds every sample that
// completed (and no end record: the run reads as incomplete).
#include "harness_test_support.hpp"

#include <moat/bench/report/results_reader.hpp>
#include <moat/core/sandbox_service.hpp>
#include <moat/harness/cleanup.hpp>
#include <moat/harness/progress.hpp>

#include <atomic>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using namespace moat::harness_test;

// Sets the flag once `after` units of work are done.
class CancelAfter : public moat::harness::Progress {
 public:
  CancelAfter(std::atomic<bool>& flag, std::size_t after) : flag_(flag), after_(after) {}
  void sample_done(const moat::harness::SampleReport& r) override {
    if (r.done >= after_) flag_ = true;
  }

 private:
  std::atomic<bool>& flag_;
  std::size_t after_;
};

TEST(Interrupt, CancelMidRunRemovesEverythingAndKeepsCompletedSamples) {
  TempDir out;
  // io keeps a sandbox with a volume per runtime for the whole scenario:
  // interrupting it must remove those too.
  auto o = options({"boot", "io"}, {"host", "runc"}, out.path());
  o.repetitions = 3;
  std::atomic<bool> flag{false};
  CancelAfter progress(flag, 7);  // boot: 6 units (3 reps x 2 runtimes), then 1 of io
  o.progress = &progress;
  o.cancelled = [&flag] { return flag.load(); };
  const std::string run_id = o.run_id;
  auto outcome = moat::harness::run_bench(registry(), config(), o);

  EXPECT_TRUE(outcome.interrupted);
  EXPECT_TRUE(outcome.cleanup_errors.empty());
  EXPECT_FALSE(fs::exists(out.path() / "results.json"));
  moat::core::SandboxService service(registry(), config());
  EXPECT_EQ(moat::harness::leftovers_of_run(service, run_id), std::vector<std::string>{});

  auto r = moat::bench::load_results(out.path() / "results.jsonl");
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.samples.size(), outcome.samples);
  // Every boot unit completed: 3 reps x (11 metrics on runc + 8 on host).
  std::size_t boot = 0, io = 0;
  for (const auto& s : r.samples) {
    boot += s.scenario == "boot";
    io += s.scenario == "io";
    EXPECT_TRUE(s.ok) << s.runtime << " " << s.scenario << "/" << s.metric << ": " << s.error;
  }
  EXPECT_EQ(boot, 3u * (11 + 8));
  EXPECT_GT(io, 0u);
}

TEST(Interrupt, CancelBeforeAnythingLeavesOnlyTheManifest) {
  TempDir out;
  auto o = options({"boot"}, {"runc"}, out.path());
  o.cancelled = [] { return true; };
  auto outcome = moat::harness::run_bench(registry(), config(), o);
  EXPECT_TRUE(outcome.interrupted);
  auto r = moat::bench::load_results(out.path() / "results.jsonl");
  EXPECT_TRUE(r.samples.empty());
  EXPECT_EQ(r.manifest.run_id, o.run_id);
}

}  // namespace
