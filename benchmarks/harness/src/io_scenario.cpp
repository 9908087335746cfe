// io: fio jobs (benchmarks/workloads/fio/*.fio, JSON output parsed) on three
// places a sandbox writes to:
//   rootfs     a directory on the sandbox's own root filesystem (the home directory)
//   workspace  the bind-mounted host workspace
//   volume     an engine volume mounted at /moat-vol
// One sandbox per runtime lives through all repetitions; each sample runs
// every job on every location, in a fixed order. fio lays out its file
// (untimed by fio), runs for runtime= seconds (time_based) and unlinks it.
// Recorded: sequential jobs -> bandwidth (MiB/s), random and fsync jobs ->
// IOPS, both as fio reports them for the measured phase.
#include <moat/core/declared_fields.hpp>
#include <moat/error.hpp>
#include <moat/harness/fio.hpp>
#include <moat/harness/sandbox_ops.hpp>
#include <moat/harness/scenarios.hpp>
#include <moat/harness/work_sandbox.hpp>
#include <moat/harness/workloads.hpp>

#include <filesystem>
#include <optional>

namespace moat::harness {
namespace {

namespace fs = std::filesystem;
using bench::Direction;
using bench::MetricInfo;
constexpr const char* kScenario = "io";
constexpr const char* kVolumeTarget = "/moat-vol";

bool is_sequential(const std::string& job) { return job.rfind("seq", 0) == 0; }
bool writes(const std::string& job) { return job.find("write") != std::string::npos || job.rfind("fsync", 0) == 0; }

// The one figure recorded per (job, location).
std::string metric_name(const std::string& job, const std::string& location) {
  return job + "." + location + (is_sequential(job) ? ".bw" : ".iops");
}

class IoUnit : public ScenarioUnit {
 public:
  IoUnit(Environment& env, std::string runtime, const IoSettings& settings)
      : env_(env), runtime_(std::move(runtime)), settings_(settings) {
    const fs::path ws = env_.make_work_dir(kScenario, runtime_);
    copy_workload(env_.identity().workloads_dir, "fio", ws / "fio");
    SandboxSpec spec = env_.spec(env_.sandbox_name(kScenario, runtime_), runtime_, settings_.image);
    spec.workspace = ws.string();
    bool wants_volume =
        std::find(settings_.locations.begin(), settings_.locations.end(), "volume") != settings_.locations.end();
    // A runtime that does not declare mounts (host) would have the request
    // refused: it measures the other locations.
    const auto honoured = core::honoured_spec_fields(env_.service().capabilities(runtime_));
    if (wants_volume && std::find(honoured.begin(), honoured.end(), "mounts") == honoured.end()) {
      wants_volume = false;
      for (const auto& job : settings_.jobs)
        env_.recorder().unsupported(
            runtime_, kScenario, metric_name(job, "volume"),
            "no engine volumes on this runtime: runtime '" + runtime_ + "' does not honour the spec field 'mounts'");
    }
    if (wants_volume) spec.mounts.push_back(Mount{"volume", volume_name(spec.name), kVolumeTarget, false});
    try {
      box_.emplace(env_, spec);
    } catch (const moat::Error& e) {
      if (e.status() != MOAT_E_UNSUPPORTED || !wants_volume) throw;
      // A runtime that takes mounts but no volumes still measures the other locations.
      for (const auto& job : settings_.jobs)
        env_.recorder().unsupported(runtime_, kScenario, metric_name(job, "volume"),
                                    std::string("no engine volumes on this runtime: ") + e.what());
      spec.mounts.clear();
      spec.name = env_.sandbox_name(kScenario, runtime_);
      box_.emplace(env_, spec);
    }
    box_->run({"fio", "--version"}, 60);
    for (const auto& location : settings_.locations) {
      if (env_.recorder().is_unsupported(runtime_, kScenario, metric_name(settings_.jobs.front(), location))) continue;
      dirs_[location] = directory_of(location);
      box_->run({"mkdir", "-p", dirs_[location]}, 60);
    }
  }

  void sample(SampleScope& scope) override {
    const std::string jobs_dir = box_->paths().workspace + "/fio";
    for (const auto& job : settings_.jobs) {
      for (const auto& [location, dir] : dirs_) {
        env_.check_cancelled("between fio jobs");
        const std::string metric = metric_name(job, location);
        const std::map<std::string, std::string> env = {
            {"MOAT_FIO_DIR", dir},
            {"MOAT_FIO_SIZE", job.rfind("fsync", 0) == 0 ? settings_.fsync_size : settings_.size},
            {"MOAT_FIO_RUNTIME", std::to_string(settings_.runtime_s)}};
        try {
          ExecResult r =
              box_->run({"fio", "--output-format=json", jobs_dir + "/" + job + ".fio"}, settings_.timeout_s, env);
          FioResult parsed = parse_fio_json(r.stdout_data);
          const FioJob& j = parsed.jobs.front();
          if (j.error != 0)
            throw moat::Error(MOAT_E_FAILED, "fio job " + job + " failed with error " + std::to_string(j.error) + ": " +
                                                 tail_lines(r.stderr_data));
          const FioDirection& d = writes(job) ? j.write : j.read;
          const double v = is_sequential(job) ? d.bw_mib_s : d.iops;
          if (!(v > 0))
            throw moat::Error(MOAT_E_FAILED, "fio job " + job + " reported no " + (writes(job) ? "write" : "read") +
                                                 " I/O (" + tail_lines(r.stderr_data) + ")");
          scope.value(metric, v);
        } catch (const core::Cancelled&) {
          throw;
        } catch (const std::exception& e) {
          scope.failure(metric, e.what());
        }
      }
    }
  }

  void teardown() override {
    if (box_) box_->remove();
  }

 private:
  static std::string volume_name(const std::string& sandbox) { return sandbox + "-vol"; }

  std::string directory_of(const std::string& location) const {
    if (location == "workspace") return box_->paths().workspace + "/io";
    if (location == "rootfs") return box_->paths().home + "/moat-io";
    return std::string(kVolumeTarget) + "/io";
  }

  Environment& env_;
  std::string runtime_;
  IoSettings settings_;
  std::optional<WorkSandbox> box_;
  std::map<std::string, std::string> dirs_;  // location -> directory inside the sandbox
};

class IoScenario : public Scenario {
 public:
  explicit IoScenario(IoSettings settings) : settings_(std::move(settings)) {
    if (settings_.jobs.empty() || settings_.locations.empty())
      throw moat::Error(MOAT_E_INVALID, "io: needs at least one fio job and one location");
    for (const auto& l : settings_.locations)
      if (l != "rootfs" && l != "workspace" && l != "volume")
        throw moat::Error(MOAT_E_INVALID, "io location '" + l + "': expected rootfs, workspace or volume");
  }
  std::string name() const override { return kScenario; }
  nlohmann::json parameters() const override {
    return {{"image", settings_.image},           {"jobs", settings_.jobs},
            {"locations", settings_.locations},   {"size", settings_.size},
            {"fsync_size", settings_.fsync_size}, {"runtime_s", settings_.runtime_s},
            {"timeout_s", settings_.timeout_s},   {"job_files", "benchmarks/workloads/fio"},
            {"volume_target", kVolumeTarget}};
  }
  std::vector<MetricInfo> metrics() const override {
    std::vector<MetricInfo> out;
    for (const auto& job : settings_.jobs)
      for (const auto& location : settings_.locations) {
        const bool seq = is_sequential(job);
        out.push_back(MetricInfo{kScenario, metric_name(job, location), seq ? "MiB/s" : "IOPS",
                                 Direction::higher_is_better,
                                 "fio " + job + ".fio on the " + location + " (" +
                                     (seq                          ? "bandwidth"
                                      : job.rfind("fsync", 0) == 0 ? "write+fsync pairs per second"
                                                                   : "operations per second") +
                                     " over the measured phase)"});
      }
    return out;
  }
  std::unique_ptr<ScenarioUnit> prepare(Environment& env, const std::string& runtime) override {
    return std::make_unique<IoUnit>(env, runtime, settings_);
  }
  std::vector<std::string> images() const override { return {settings_.image}; }

 private:
  IoSettings settings_;
};

}  // namespace

std::unique_ptr<Scenario> make_io_scenario(const IoSettings& settings) {
  return std::make_unique<IoScenario>(settings);
}

}  // namespace moat::harness
