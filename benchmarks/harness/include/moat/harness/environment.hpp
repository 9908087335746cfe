// What a scenario sees of the run: the sandbox service (the same API users
// call), the recorder, the run's identity and directories, and the
// cancellation flag. Sandboxes are named and labelled here so every one of
// them carries moat.run-id=<run id> and can be found again by `moat gc`.
#pragma once

#include <moat/core/plugin_registry.hpp>
#include <moat/core/sandbox_service.hpp>
#include <moat/engine/docker_client.hpp>
#include <moat/harness/sample_recorder.hpp>
#include <moat/harness/sandbox_tracker.hpp>
#include <moat/model.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace moat::harness {

struct RunIdentity {
  std::string run_id;
  std::filesystem::path work_dir;       // host directories bound into sandboxes live here
  std::filesystem::path workloads_dir;  // benchmarks/workloads (c-tree, cpu, fio, dockerfile)
};

class Environment {
 public:
  // `service` (may be null: one is made) becomes the runner thread's service;
  // passing the one the runtimes were probed with keeps its cached probes.
  Environment(const core::PluginRegistry& registry, const core::Config& config, RunIdentity identity,
              SampleRecorder& recorder, std::function<bool()> cancelled, engine::DockerClient* engine,
              std::unique_ptr<core::SandboxService> service = nullptr);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  // The service of the runner's thread.
  core::SandboxService& service() { return *service_; }
  // A service of its own for another thread (services are not thread-safe).
  // Its first create() probes the runtime (once per service): call
  // availability() on it during setup to keep that out of a measurement.
  std::unique_ptr<core::SandboxService> new_service() const;

  SampleRecorder& recorder() { return recorder_; }
  SandboxTracker& sandboxes() { return tracker_; }
  const RunIdentity& identity() const { return identity_; }
  // The engine (for image and cgroup facts); nullptr when it is not reachable.
  engine::DockerClient* engine() const { return engine_; }

  [[nodiscard]] bool cancelled() const { return cancelled_ && cancelled_(); }
  // Throws core::Cancelled when the run was interrupted.
  void check_cancelled(const std::string& where) const;

  // "mb-<run id>-<scenario>-<runtime>-<n>": unique within the run.
  std::string sandbox_name(const std::string& scenario, const std::string& runtime);
  // A spec labelled with the run id, nothing else set.
  SandboxSpec spec(const std::string& name, const std::string& runtime, const std::string& image) const;
  // A fresh directory under the work dir for one runtime's scenario.
  std::filesystem::path make_work_dir(const std::string& scenario, const std::string& runtime);

  // The runtime's probe (cached by the service).
  const ProbeResult& probe(const std::string& runtime) { return service_->availability(runtime); }
  // True when the runtime runs sandboxes as engine containers (its probe
  // names an engine runtime), i.e. a sandbox has a cgroup of its own.
  bool has_container(const std::string& runtime);

 private:
  const core::PluginRegistry& registry_;
  const core::Config& config_;
  RunIdentity identity_;
  SampleRecorder& recorder_;
  std::function<bool()> cancelled_;
  engine::DockerClient* engine_;
  std::unique_ptr<core::SandboxService> service_;
  SandboxTracker tracker_;
  std::atomic<int> counter_{0};
};

}  // namespace moat::harness
