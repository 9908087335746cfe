// A base for runtime plugins that run sandboxes as Docker Engine containers.
//
// It implements every sandbox operation of the plugin contract over
// DockerClient; a subclass adds describe() and probe(), names its engine
// runtime, and shapes the container for it through the protected hooks. Works
// with MOAT_PLUGIN_DEFINE as is: the adapter detects the public operations
// below on the subclass.
//
//   class GvisorRuntime : public moat::engine::DockerRuntime {
//    public:
//     GvisorRuntime(moat::sdk::Host host, const nlohmann::json& config)
//         : DockerRuntime(std::move(host), config, "gvisor", "runsc") {}
//     moat::Capabilities describe();
//     moat::ProbeResult probe();
//    protected:
//     void shape_container(const moat::SandboxSpec&, ContainerPlan&) override;
//   };
//
// Configuration keys read here (the plugin's section, into which the host
// merges the top-level "engine" section):
//   engine.socket       string  Docker socket path (default: DOCKER_HOST=unix://..., else /var/run/docker.sock)
//   engine.timeout_s    number  per-request timeout in seconds (default 60)
//   engine.api_version  string  pin an Engine API version instead of negotiating ("1.41")
//   runtime_name        string  the engine runtime sandboxes run on (default: the plugin's, e.g. "runsc")
//   dind_timeout_s      number  how long to wait for an inner dockerd to answer (default 60)
//   probe_image         string  image used by smoke runs in probe() (default "moat/base:busybox")
//   probe_timeout_s     number  limit for one smoke run (default 30)
//
// Spec fields and options it honours:
//   name -> engine container name; labels moat.managed=true, moat.runtime=<plugin id>,
//     moat.name=<name>, moat.engine-runtime=<runtime>, plus spec.labels (moat.run-id passes through);
//   workspace -> /workspace (bind, rw), home -> /home/<user> or /root, mounts (bind/volume/tmpfs);
//     volumes named in mounts that do not exist are created, labelled moat.managed=true and
//     moat.sandbox=<name>, and removed with the sandbox;
//   command -> Cmd (the image's entrypoint applies); empty -> a keep-alive shell that prints
//     "moat-ready" and exits at once on SIGTERM (it replaces the image's entrypoint);
//   dind -> see dind_mode(); the inner dockerd is started after every start/restart and
//     must answer `docker info` within dind_timeout_s;
//   options.engine_runtime (string) -> run this one sandbox on another engine runtime
//     (e.g. a sidecar on "runc" next to Sysbox sandboxes);
//   options.start (bool) -> create and start in one call (a failed start removes what was created);
//   options.privileged -> always refused: moat never runs privileged containers.
//
// What a successful start promises: the engine has started the main process
// (and, with DinD, the inner dockerd answers). A main process that exits
// afterwards, however soon, is the sandbox's state, not a failed start:
// inspect shows it not running ("exited", and the engine keeps its exit
// code). A start fails when the engine cannot start the main process (e.g.
// its executable is not in the image: the OCI runtime's create fails), and
// start_sandbox does not wait to see whether the process lives on.
#pragma once

#include <moat/engine/container_plan.hpp>
#include <moat/engine/docker_client.hpp>
#include <moat/model.hpp>
#include <moat/plugin.hpp>
#include <moat/spec_fields.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::engine {

// What one smoke run of a tiny container saw (probe evidence).
struct SmokeRun {
  bool started = false;  // the container started
  int64_t exit_code = -1;
  std::string stdout_data;
  std::string stderr_data;
  std::string error;  // the engine's message when create/start/wait failed
  double duration_ms = 0;
  nlohmann::json to_json() const;
};

class DockerRuntime {
 public:
  // `plugin_id` is the id the plugin is defined with; `default_engine_runtime`
  // is used unless the config sets runtime_name. Throws moat::Error(MOAT_E_INVALID)
  // for a malformed config; never talks to the engine.
  DockerRuntime(moat::sdk::Host host, const nlohmann::json& config, std::string plugin_id,
                std::string default_engine_runtime);
  virtual ~DockerRuntime();
  DockerRuntime(const DockerRuntime&) = delete;
  DockerRuntime& operator=(const DockerRuntime&) = delete;

  SandboxInfo create_sandbox(const SandboxSpec& spec);
  SandboxInfo start_sandbox(const std::string& name);
  void stop_sandbox(const std::string& name, double timeout_s);
  void restart_sandbox(const std::string& name, double timeout_s);
  void remove_sandbox(const std::string& name);
  ExecResult exec_sandbox(const ExecRequest& request);
  // ABI 1.1: the output goes to `sink` as the engine sends it, never held.
  ExecResult exec_stream(const ExecRequest& request, const OutputSink& sink);
  // ABI 1.1: stdin from `input` (data, its end, terminal resizes) while the
  // output goes to `sink`; with request.tty a terminal (docker exec -it).
  ExecResult exec_interactive(const ExecRequest& request, const InputSource& input, const OutputSink& sink);
  // ABI 1.1: the log as the engine sends it (tail, since, follow).
  void logs_stream(const LogsRequest& request, const OutputSink& sink);
  SandboxInfo inspect_sandbox(const std::string& name);
  LogsResult sandbox_logs(const LogsRequest& request);
  std::vector<SandboxInfo> list_sandboxes();
  void connect_network(const std::string& name, const std::string& network);
  void disconnect_network(const std::string& name, const std::string& network);
  // ABI 1.1 networks: bridges labelled moat.managed=true and moat.network,
  // shared by every plugin on the engine.
  NetworkInfo create_network(const NetworkSpec& spec);
  void remove_network(const std::string& name);
  std::vector<NetworkInfo> list_networks();
  // ABI 1.1 snapshots (sandbox_snapshots.cpp): the root filesystem as image
  // moat-snapshots:<name>, each moat-made mount (volumes, workspace, home)
  // copied into a volume of the snapshot; restore copies them again.
  SnapshotInfo snapshot_sandbox(const std::string& name, const std::string& snapshot);
  SandboxInfo restore_sandbox(const RestoreRequest& request);
  std::vector<SnapshotInfo> list_snapshots();
  void remove_snapshot(const std::string& name);
  // Every container, volume, network and snapshot of the engine labelled
  // moat.managed=true, whichever plugin made it (store "docker:<socket>").
  std::vector<ManagedObject> list_managed();
  void remove_managed(const ManagedObject& object);

 protected:
  // The SandboxSpec fields plan_for() maps onto the engine's create body:
  // every one. A subclass lists these in describe()'s spec_fields, less any
  // its backend cannot honour.
  static std::vector<std::string> spec_fields_honoured() { return all_spec_fields(); }

  // ---- hooks ----
  // The engine runtime for this sandbox: options.engine_runtime, else engine_runtime().
  virtual std::string engine_runtime_for(const SandboxSpec& spec);
  // Runtime-specific refusals (e.g. Sysbox: no host network). Throw moat::Error(MOAT_E_INVALID).
  virtual void validate_spec(const SandboxSpec& spec, const std::string& engine_runtime) {}
  // Throw moat::Error(MOAT_E_UNAVAILABLE) when sandboxes cannot be created on
  // `engine_runtime` (checked before anything is created).
  virtual void require_available(const std::string& engine_runtime) {}
  // Default: spec.dind ? required : off.
  virtual DindMode dind_mode(const SandboxSpec& spec);
  // Runtime-specific HostConfig (capabilities, DinD storage, ...). Called after
  // the common parts are in the plan.
  virtual void shape_container(const SandboxSpec& spec, ContainerPlan& plan) {}
  // Extra advice appended to an engine error from create/start/restart that
  // the engine reports as a runtime failure (HTTP 500, e.g. gVisor naming an
  // outdated runsc); empty = nothing to add.
  virtual std::string explain_failure(const std::string& engine_message, const std::string& engine_runtime);
  // The message with which a spec asking for options.privileged is refused
  // (it always is; a plugin may only say why in its own words).
  virtual std::string privileged_refusal(const std::string& engine_runtime);

  // ---- for subclasses (probes) ----
  DockerClient& client() { return client_; }
  [[nodiscard]] const moat::sdk::Host& host() const { return host_; }
  [[nodiscard]] const nlohmann::json& config() const { return config_; }
  [[nodiscard]] const std::string& plugin_id() const { return plugin_id_; }
  // runtime_name from the config, or the plugin's default.
  [[nodiscard]] const std::string& engine_runtime() const { return engine_runtime_; }
  [[nodiscard]] bool engine_runtime_configured() const { return engine_runtime_configured_; }
  [[nodiscard]] const std::string& probe_image() const { return probe_image_; }
  [[nodiscard]] std::chrono::seconds probe_timeout() const { return probe_timeout_; }

  // Config accessors with type checks (moat::Error(MOAT_E_INVALID) naming the key).
  std::string config_string(const char* key, const std::string& fallback) const;
  double config_number(const char* key, double fallback) const;
  bool config_bool(const char* key, bool fallback) const;

  // GET /info, or nullopt with `reason` set to one line saying how to fix it.
  std::optional<nlohmann::json> engine_info(std::string& reason);
  // engine_info() as the first step of a probe: records details["engine"] =
  // {"reachable": true, "server_version"} (a plugin adds what else it saw),
  // or {"reachable": false, "error"} and returns nullopt with `reason` set.
  std::optional<nlohmann::json> probe_engine(nlohmann::json& details, std::string& reason);
  // "runtime '<runtime>' is not registered with the Docker engine (registered: <names>)",
  // to which a plugin appends its own fix.
  static std::string not_registered_reason(const nlohmann::json& info, const std::string& runtime);
  // True when /info lists `runtime`.
  static bool runtime_registered(const nlohmann::json& info, const std::string& runtime);
  // The names /info lists, comma-separated (for messages).
  static std::string registered_runtimes(const nlohmann::json& info);
  // The executable behind a registered runtime: its /info path, resolved in
  // PATH when relative; nullopt when not registered or not found.
  static std::optional<std::string> runtime_executable(const nlohmann::json& info, const std::string& runtime);
  // Records in p.depends_on what an available verdict rests on: the
  // engine's socket, then `files` (the runtime's executable, its daemons'
  // sockets). See ProbeResult::depends_on.
  void record_dependencies(ProbeResult& p, const std::vector<std::optional<std::string>>& files) const;
  // Runs a tiny container to completion on `engine_runtime` (labelled
  // moat.managed, moat.probe=<plugin id>) and removes it, whatever happens.
  // Failures are reported in the result, not thrown.
  // `binds` are HostConfig.Binds entries ("/host/path:/in/container:ro").
  SmokeRun smoke_run(const std::string& engine_runtime, const std::vector<std::string>& argv, const std::string& image,
                     const std::vector<std::string>& binds = {});
  // True when `image` is in the engine.
  bool image_present(const std::string& image);

 private:
  struct Resolved {
    std::string id;
    nlohmann::json inspect;  // empty when the id came from the cache
  };
  ContainerPlan plan_for(const SandboxSpec& spec, const std::string& engine_runtime);
  // One attempt of smoke_run (its duration left at 0).
  SmokeRun smoke_run_once(const std::string& rt, const std::vector<std::string>& argv, const std::string& image,
                          const std::vector<std::string>& binds);
  // create_sandbox, with `blank_labels` set on the container unless the plan
  // sets them (what a restored sandbox must not inherit from its image).
  SandboxInfo create_with(const SandboxSpec& spec, const std::map<std::string, std::string>& blank_labels);
  // Copies the content of `from` (a volume or host directory) into `to`
  // with a helper container; throws on failure.
  void copy_tree(const std::string& from, const std::string& to);
  // The snapshot called `name` (NOT_FOUND when moat made none).
  SnapshotInfo snapshot_info(const std::string& name);
  // Finds the moat container of this plugin called `name` (NOT_FOUND otherwise).
  Resolved resolve(const std::string& name, bool need_inspect);
  nlohmann::json inspect_owned(const std::string& name);
  void remember(const std::string& name, const std::string& id);
  void forget(const std::string& name);
  std::optional<std::string> cached_id(const std::string& name);
  // Runs `op` with the container id; retries once by name when a cached id is stale.
  template <typename Op>
  auto with_id(const std::string& name, Op&& op);
  // Verifies a started container runs on the runtime it was created for;
  // starts the inner dockerd when the sandbox has DinD and its main process
  // still runs. Returns the info (a main process that already exited is
  // reported as such, not as a failure).
  SandboxInfo after_start(const std::string& name, const std::string& id);
  void start_inner_docker(const std::string& id, const std::string& name, DindMode mode);
  void stop_inner_docker(const std::string& id, const std::string& name);
  SandboxInfo to_info(const nlohmann::json& inspect) const;
  // The step of a lifecycle call an engine error came from (it decides what
  // an HTTP status means: a 409 from create_container is the name in use).
  enum class Step { create_volume, create_container, start, restart };
  // An engine error from a lifecycle call as one clear moat::Error.
  moat::Error translate(const EngineError& e, Step step, const std::string& what, const std::string& name,
                        const std::string& engine_runtime, const std::string& image);
  DockerClient client_with_timeout(std::chrono::milliseconds timeout) const;

  moat::sdk::Host host_;
  nlohmann::json config_;
  std::string plugin_id_;
  std::string engine_runtime_;
  bool engine_runtime_configured_ = false;
  ClientOptions client_options_;
  std::chrono::seconds dind_timeout_{60};
  std::string probe_image_;
  std::chrono::seconds probe_timeout_{30};
  DockerClient client_{ClientOptions{}};  // replaced once the configuration is read (no DOCKER_HOST read here)
  std::mutex ids_mutex_;
  std::map<std::string, std::string> ids_;  // sandbox name -> container id, for this instance
  // Sandboxes created by this instance with no volume mount: removing them
  // needs no volume lookup (one engine round trip less per remove).
  std::set<std::string> volume_free_;
};

// The engine's container JSON (inspect) as a SandboxInfo.
SandboxInfo sandbox_info_from_inspect(const nlohmann::json& inspect);
// The engine's container list entry as a SandboxInfo.
SandboxInfo sandbox_info_from_list(const nlohmann::json& entry);

}  // namespace moat::engine
