// boot: one sandbox lifecycle per sample, every phase timed on its own.
//
//   create  service.create(spec, start=false) call -> return
//   start   service.start() call -> return (the engine started the main process)
//   ready   start returned -> a logs() poll returns the keep-alive's "moat-ready"
//           line (resolution: one logs() round trip plus the poll interval)
//   exec    service.exec(`true`) call -> return (exit code checked)
//   stop    service.stop() call -> return (the keep-alive exits on SIGTERM at once)
//   remove  service.remove() call -> return
//   total   create called -> remove returned (the phases plus the harness's own gaps)
//   to-ready create called -> ready (what a user waiting for a sandbox sees)
//   cpu-sandbox  the sandbox cgroup's CPU time, read just before stop
//   cpu-host     host-wide busy CPU (/proc/stat) from create to remove
//   overhead     the harness's own time in the sample: wall time minus the
//                time inside service calls and poll sleeps
#include <moat/harness/cgroup.hpp>
#include <moat/harness/proc_stat.hpp>
#include <moat/harness/sandbox_ops.hpp>
#include <moat/harness/scenarios.hpp>

#include <optional>

namespace moat::harness {
namespace {

using bench::Direction;
using bench::MetricInfo;
constexpr const char* kScenario = "boot";

class BootUnit : public ScenarioUnit {
 public:
  BootUnit(Environment& env, std::string runtime, const BootSettings& settings)
      : env_(env), runtime_(std::move(runtime)), settings_(settings) {
    if (!env_.has_container(runtime_)) {
      const std::string why = "runtime '" + runtime_ +
                              "' runs no engine container (its probe names no engine runtime), so a sandbox has no "
                              "cgroup of its own to read";
      env_.recorder().unsupported(runtime_, kScenario, "cpu-sandbox", why);
    }
  }

  void sample(SampleScope& scope) override {
    core::SandboxService& service = env_.service();
    const auto sample_begin = Clock::now();
    double in_calls = 0;  // ms inside service calls and deliberate sleeps
    auto timed = [&](auto&& call) {
      const auto a = Clock::now();
      call();
      const double ms = ms_between(a, Clock::now());
      in_calls += ms;
      return ms;
    };

    const std::string name = env_.sandbox_name(kScenario, runtime_);
    SandboxSpec spec = env_.spec(name, runtime_, settings_.image);
    env_.sandboxes().add(name);
    std::string phase = "create";
    std::optional<double> cpu_before = host_busy_cpu_ms();
    const auto t0 = Clock::now();
    std::map<std::string, double> values;
    std::optional<std::uint64_t> cgroup_cpu_ns;
    try {
      SandboxInfo info;
      values["create"] = timed([&] { info = service.create(spec, false); });
      phase = "start";
      values["start"] = timed([&] { service.start(name); });
      const auto started = Clock::now();
      phase = "ready";
      ReadyWait w = wait_until_ready(service, name,
                                     std::chrono::milliseconds(static_cast<long>(settings_.ready_timeout_s * 1000)),
                                     std::chrono::microseconds(static_cast<long>(settings_.poll_interval_ms * 1000)));
      in_calls += w.in_calls_ms + w.sleeping_ms;
      if (w.supported) {
        values["ready"] = w.elapsed_ms;
        values["to-ready"] = ms_between(t0, started) + w.elapsed_ms;
      } else {
        const std::string why =
            "runtime '" + runtime_ + "' has no main process to signal readiness (" + w.unsupported_reason + ")";
        env_.recorder().unsupported(runtime_, kScenario, "ready", why);
        env_.recorder().unsupported(runtime_, kScenario, "to-ready", why);
      }
      phase = "exec";
      ExecResult r;
      values["exec"] = timed([&] { r = service.exec(ExecRequest{name, {"true"}, {}, {}, {}, 60}); });
      if (r.exit_code != 0) {
        scope.failure("exec",
                      "'true' exited with code " + std::to_string(r.exit_code) + ": " + tail_lines(r.stderr_data));
        values.erase("exec");
      }
      if (!env_.recorder().is_unsupported(runtime_, kScenario, "cpu-sandbox"))
        cgroup_cpu_ns = ContainerCgroup(info.id).cpu_usage_ns();
      if (!cgroup_cpu_ns && !env_.recorder().is_unsupported(runtime_, kScenario, "cpu-sandbox"))
        scope.failure("cpu-sandbox",
                      "no cgroup found for the sandbox: looked in " + ContainerCgroup(info.id).searched());
      phase = "stop";
      values["stop"] = timed([&] { service.stop(name, settings_.stop_timeout_s); });
      phase = "remove";
      values["remove"] = timed([&] { service.remove(name); });
      env_.sandboxes().forget(name);
    } catch (const core::Cancelled&) {
      throw;
    } catch (const std::exception& e) {
      for (const auto& [metric, v] : values) scope.value(metric, v);
      scope.failure(phase, e.what());
      scope.fail_remaining("not measured: the " + phase + " phase failed");
      try {
        env_.sandboxes().remove(service, name);
      } catch (const std::exception&) {
        // Left tracked: the run's cleanup tries again and reports it.
      }
      return;
    }
    const auto t_end = Clock::now();
    values["total"] = ms_between(t0, t_end);
    std::optional<double> cpu_after = host_busy_cpu_ms();
    if (cpu_before && cpu_after)
      values["cpu-host"] = *cpu_after - *cpu_before;
    else
      scope.failure("cpu-host", "/proc/stat could not be read");
    if (cgroup_cpu_ns) values["cpu-sandbox"] = static_cast<double>(*cgroup_cpu_ns) / 1e6;
    for (const auto& [metric, v] : values) scope.value(metric, v);
    // Everything above but the service calls and the poll sleeps is the
    // harness's own cost, recording included.
    scope.value("overhead", ms_between(sample_begin, Clock::now()) - in_calls);
  }

 private:
  Environment& env_;
  std::string runtime_;
  BootSettings settings_;
};

class BootScenario : public Scenario {
 public:
  explicit BootScenario(BootSettings settings) : settings_(std::move(settings)) {}
  std::string name() const override { return kScenario; }
  nlohmann::json parameters() const override {
    return {{"image", settings_.image},
            {"ready_timeout_s", settings_.ready_timeout_s},
            {"poll_interval_ms", settings_.poll_interval_ms},
            {"stop_timeout_s", settings_.stop_timeout_s},
            {"ready_marker", kReadyMarker}};
  }
  std::vector<MetricInfo> metrics() const override {
    auto ms = [](const char* metric, const char* description) {
      return MetricInfo{kScenario, metric, "ms", Direction::lower_is_better, description};
    };
    return {
        ms("create", "create call until it returned (sandbox created, not started)"),
        ms("start", "start call until it returned (main process started)"),
        ms("ready", "start returned until a logs() poll saw the main process's 'moat-ready' line"),
        ms("exec", "exec of 'true' in the running sandbox: call until it returned"),
        ms("stop", "stop call until it returned"),
        ms("remove", "remove call until it returned"),
        ms("total", "create called until remove returned: the whole lifecycle"),
        ms("to-ready", "create called until the 'moat-ready' line was seen"),
        ms("cpu-sandbox", "CPU time of the sandbox's cgroup (its processes; for gVisor the Sentry) read before stop"),
        ms("cpu-host", "host-wide busy CPU time (/proc/stat, all processes) from create to remove"),
        ms("overhead", "the harness's own time per sample: wall time minus time in service calls and poll sleeps")};
  }
  std::unique_ptr<ScenarioUnit> prepare(Environment& env, const std::string& runtime) override {
    return std::make_unique<BootUnit>(env, runtime, settings_);
  }
  std::vector<std::string> images() const override { return {settings_.image}; }

 private:
  BootSettings settings_;
};

}  // namespace

std::unique_ptr<Scenario> make_boot_scenario(const BootSettings& settings) {
  return std::make_unique<BootScenario>(settings);
}

}  // namespace moat::harness
