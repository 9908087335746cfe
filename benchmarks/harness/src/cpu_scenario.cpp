// cpu: a fixed compute workload (benchmarks/workloads/cpu/cpu_work.c),
// compiled once per sandbox during setup (untimed, -O2, the same gcc 12 in
// the bench image as on a Debian 12 host), then run once per sample. The
// program times its own compute loop, so exec latency is not in the figure:
//   compute      wall time of the loop (CLOCK_MONOTONIC inside the sandbox)
//   compute-cpu  CPU time of the process over the loop (CLOCK_PROCESS_CPUTIME_ID)
// The ratio to `host` is the sandbox's CPU overhead. Every runtime must print
// the same checksum.
#include <moat/error.hpp>
#include <moat/harness/sandbox_ops.hpp>
#include <moat/harness/scenarios.hpp>
#include <moat/harness/work_sandbox.hpp>
#include <moat/harness/workloads.hpp>

#include <filesystem>
#include <mutex>
#include <optional>
#include <regex>

namespace moat::harness {
namespace {

namespace fs = std::filesystem;
using bench::Direction;
using bench::MetricInfo;
constexpr const char* kScenario = "cpu";

struct CpuOutput {
  double elapsed_ms = 0;
  double cpu_ms = 0;
  std::string checksum;
};

CpuOutput parse_output(const std::string& out) {
  static const std::regex re(R"(elapsed_ns=(\d+) cpu_ns=(\d+) rounds=\d+ checksum=([0-9a-f]+))");
  std::smatch m;
  if (!std::regex_search(out, m, re))
    throw moat::Error(MOAT_E_FAILED, "cpu_work printed no result line (got '" + tail_lines(out) + "')");
  return {std::stod(m[1]) / 1e6, std::stod(m[2]) / 1e6, m[3]};
}

class Checksum {
 public:
  std::string check(const std::string& value) {
    std::lock_guard lock(mutex_);
    if (!expected_) expected_ = value;
    return *expected_ == value ? std::string() : "checksum " + value + " differs from " + *expected_;
  }

 private:
  std::mutex mutex_;
  std::optional<std::string> expected_;
};

class CpuUnit : public ScenarioUnit {
 public:
  CpuUnit(Environment& env, std::string runtime, const CpuSettings& settings, Checksum& checksum)
      : env_(env), runtime_(std::move(runtime)), settings_(settings), checksum_(checksum) {
    const fs::path ws = env_.make_work_dir(kScenario, runtime_);
    copy_workload(env_.identity().workloads_dir, "cpu", ws / "cpu");
    SandboxSpec spec = env_.spec(env_.sandbox_name(kScenario, runtime_), runtime_, settings_.image);
    spec.workspace = ws.string();
    box_.emplace(env_, std::move(spec));
    binary_ = box_->paths().home + "/moat-cpu/cpu_work";
    box_->run({"mkdir", "-p", box_->paths().home + "/moat-cpu"}, 60);
    box_->run({"cc", "-O2", "-std=c11", "-o", binary_, box_->paths().workspace + "/cpu/cpu_work.c"}, 300);
  }

  void sample(SampleScope& scope) override {
    try {
      ExecResult r = box_->run({binary_, std::to_string(settings_.rounds)}, settings_.timeout_s);
      CpuOutput out = parse_output(r.stdout_data);
      if (std::string why = checksum_.check(out.checksum); !why.empty()) throw moat::Error(MOAT_E_FAILED, why);
      scope.value("compute", out.elapsed_ms);
      scope.value("compute-cpu", out.cpu_ms);
    } catch (const core::Cancelled&) {
      throw;
    } catch (const std::exception& e) {
      scope.fail_remaining(e.what());
    }
  }

  void teardown() override {
    if (box_) box_->remove();
  }

 private:
  Environment& env_;
  std::string runtime_;
  CpuSettings settings_;
  Checksum& checksum_;
  std::optional<WorkSandbox> box_;
  std::string binary_;
};

class CpuScenario : public Scenario {
 public:
  explicit CpuScenario(CpuSettings settings) : settings_(std::move(settings)) {
    if (settings_.rounds < 1) throw moat::Error(MOAT_E_INVALID, "cpu rounds: must be at least 1");
  }
  std::string name() const override { return kScenario; }
  nlohmann::json parameters() const override {
    return {{"image", settings_.image},
            {"rounds", settings_.rounds},
            {"timeout_s", settings_.timeout_s},
            {"program", "benchmarks/workloads/cpu/cpu_work.c"},
            {"compiler", "cc -O2 -std=c11 (in the sandbox, untimed)"}};
  }
  std::vector<MetricInfo> metrics() const override {
    return {MetricInfo{kScenario, "compute", "ms", Direction::lower_is_better,
                       "cpu_work " + std::to_string(settings_.rounds) +
                           ": wall time of its compute loop, timed inside the sandbox"},
            MetricInfo{kScenario, "compute-cpu", "ms", Direction::lower_is_better,
                       "cpu_work: the process's CPU time over the same loop"}};
  }
  std::unique_ptr<ScenarioUnit> prepare(Environment& env, const std::string& runtime) override {
    return std::make_unique<CpuUnit>(env, runtime, settings_, checksum_);
  }
  std::vector<std::string> images() const override { return {settings_.image}; }

 private:
  CpuSettings settings_;
  Checksum checksum_;
};

}  // namespace

std::unique_ptr<Scenario> make_cpu_scenario(const CpuSettings& settings) {
  return std::make_unique<CpuScenario>(settings);
}

}  // namespace moat::harness
