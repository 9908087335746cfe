// density: N sandboxes started at once, each by its own thread with its own
// SandboxService (services are single-threaded), released together.
//   all-ready   release -> the last sandbox's "moat-ready" line was seen
//               (for a runtime without a main process: its start returned)
//   memory      mean over the N of the cgroup's charged memory (v1
//               memory.usage_in_bytes: page cache included), read when all are ready
//   rss         mean over the N of the cgroup's anonymous memory (v1 total_rss)
//   remove-all  release of the removal threads -> the last remove returned
#include <moat/error.hpp>
#include <moat/harness/cgroup.hpp>
#include <moat/harness/sandbox_ops.hpp>
#include <moat/harness/scenarios.hpp>

#include <latch>
#include <optional>
#include <thread>

namespace moat::harness {
namespace {

using bench::Direction;
using bench::MetricInfo;
constexpr const char* kScenario = "density";

struct Slot {
  std::string name;
  std::string id;  // engine id once created
  bool created = false;
  Clock::time_point done;
  std::string error;
  bool cancelled = false;
};

class DensityUnit : public ScenarioUnit {
 public:
  DensityUnit(Environment& env, std::string runtime, const DensitySettings& settings)
      : env_(env), runtime_(std::move(runtime)), settings_(settings) {
    // Each service probes the runtime once, on first use: do it now, so the
    // probes (gVisor's include a smoke sandbox) stay out of the measurement.
    for (int i = 0; i < settings_.count; ++i) {
      services_.push_back(env_.new_service());
      const ProbeResult& p = services_.back()->availability(runtime_);
      if (!p.available) throw moat::Error(MOAT_E_UNAVAILABLE, "runtime '" + runtime_ + "' is unavailable: " + p.reason);
    }
    if (!env_.has_container(runtime_)) {
      const std::string why = "runtime '" + runtime_ +
                              "' runs no engine container (its probe names no engine runtime): there is no cgroup "
                              "per sandbox to read memory from";
      env_.recorder().unsupported(runtime_, kScenario, "memory", why);
      env_.recorder().unsupported(runtime_, kScenario, "rss", why);
    }
  }

  void sample(SampleScope& scope) override {
    const int n = settings_.count;
    std::vector<Slot> slots(n);
    for (auto& s : slots) s.name = env_.sandbox_name(kScenario, runtime_);
    const auto timeout = std::chrono::milliseconds(static_cast<long>(settings_.ready_timeout_s * 1000));

    // Start all.
    Clock::time_point released;
    run_together(slots, released, [&](core::SandboxService& service, Slot& s) {
      env_.sandboxes().add(s.name);
      SandboxInfo info = service.create(env_.spec(s.name, runtime_, settings_.image), true);
      s.created = true;
      s.id = info.id;
      (void)wait_until_ready(service, s.name, timeout, std::chrono::microseconds(2000));
    });
    std::string error;
    bool cancelled = false;
    Clock::time_point last = released;
    for (const auto& s : slots) {
      cancelled = cancelled || s.cancelled;
      if (!s.error.empty() && error.empty()) error = s.name + ": " + s.error;
      last = std::max(last, s.done);
    }
    if (error.empty() && !cancelled) {
      scope.value("all-ready", ms_between(released, last));
      record_memory(scope, slots);
    } else if (!cancelled) {
      scope.failure("all-ready", error);
    }

    // Remove all (those that failed to create were rolled back by the service).
    Clock::time_point removal_released;
    for (auto& s : slots) s.error.clear();
    run_together(slots, removal_released,
                 [&](core::SandboxService& service, Slot& s) { env_.sandboxes().remove(service, s.name); });
    std::string remove_error;
    Clock::time_point removed = removal_released;
    for (const auto& s : slots) {
      if (!s.error.empty() && remove_error.empty()) remove_error = s.name + ": " + s.error;
      removed = std::max(removed, s.done);
    }
    if (cancelled) throw core::Cancelled("interrupted while starting " + std::to_string(n) + " sandboxes");
    if (remove_error.empty())
      scope.value("remove-all", ms_between(removal_released, removed));
    else
      scope.failure("remove-all", remove_error);
    scope.fail_remaining(error.empty() ? "not measured" : "not measured: " + error);
  }

 private:
  // Runs `fn` for every slot on its own thread and service, all released at
  // once; `released` is when. Errors land in the slots.
  template <typename Fn>
  void run_together(std::vector<Slot>& slots, Clock::time_point& released, Fn fn) {
    std::latch spawned(static_cast<std::ptrdiff_t>(slots.size()));
    std::latch go(1);
    std::vector<std::jthread> threads;
    threads.reserve(slots.size());
    for (std::size_t i = 0; i < slots.size(); ++i) {
      threads.emplace_back([&, i] {
        Slot& s = slots[i];
        spawned.count_down();
        go.wait();
        try {
          fn(*services_[i], s);
        } catch (const core::Cancelled& e) {
          s.cancelled = true;
          s.error = e.what();
        } catch (const std::exception& e) {
          s.error = e.what();
        }
        s.done = Clock::now();
      });
    }
    spawned.wait();
    released = Clock::now();
    go.count_down();
    threads.clear();  // joins
  }

  void record_memory(SampleScope& scope, const std::vector<Slot>& slots) {
    if (env_.recorder().is_unsupported(runtime_, kScenario, "memory")) return;
    double usage = 0, rss = 0;
    for (const auto& s : slots) {
      auto m = ContainerCgroup(s.id).memory();
      if (!m) {
        scope.failure("memory",
                      "no memory cgroup for sandbox " + s.name + ": looked in " + ContainerCgroup(s.id).searched());
        scope.failure("rss", "no memory cgroup for sandbox " + s.name);
        return;
      }
      usage += static_cast<double>(m->usage_bytes);
      rss += static_cast<double>(m->rss_bytes);
    }
    const double n = static_cast<double>(slots.size()), mib = 1024.0 * 1024.0;
    scope.value("memory", usage / n / mib);
    scope.value("rss", rss / n / mib);
  }

  Environment& env_;
  std::string runtime_;
  DensitySettings settings_;
  std::vector<std::unique_ptr<core::SandboxService>> services_;
};

class DensityScenario : public Scenario {
 public:
  explicit DensityScenario(DensitySettings settings) : settings_(std::move(settings)) {
    if (settings_.count < 1) throw moat::Error(MOAT_E_INVALID, "density count: must be at least 1");
  }
  std::string name() const override { return kScenario; }
  nlohmann::json parameters() const override {
    return {{"image", settings_.image}, {"count", settings_.count}, {"ready_timeout_s", settings_.ready_timeout_s}};
  }
  std::vector<MetricInfo> metrics() const override {
    const std::string n = std::to_string(settings_.count);
    return {MetricInfo{kScenario, "all-ready", "ms", Direction::lower_is_better,
                       n + " sandboxes created and started at once: release until the last was ready"},
            MetricInfo{kScenario, "memory", "MiB", Direction::lower_is_better,
                       "memory charged to each sandbox's cgroup (page cache included), mean of " + n + ", all running"},
            MetricInfo{kScenario, "rss", "MiB", Direction::lower_is_better,
                       "anonymous memory of each sandbox's cgroup, mean of " + n + ", all running"},
            MetricInfo{kScenario, "remove-all", "ms", Direction::lower_is_better,
                       n + " sandboxes removed at once: release until the last removal returned"}};
  }
  std::unique_ptr<ScenarioUnit> prepare(Environment& env, const std::string& runtime) override {
    return std::make_unique<DensityUnit>(env, runtime, settings_);
  }
  std::vector<std::string> images() const override { return {settings_.image}; }

 private:
  DensitySettings settings_;
};

}  // namespace

std::unique_ptr<Scenario> make_density_scenario(const DensitySettings& settings) {
  return std::make_unique<DensityScenario>(settings);
}

}  // namespace moat::harness
