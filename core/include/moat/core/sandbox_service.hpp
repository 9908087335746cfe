// The sandbox service: the C++ API under `moat sandbox`, `moat bench` and
// `moat matrix`. It resolves which runtime a request goes to (the spec's, or
// the configured default; for an existing sandbox, the runtime that owns it),
// applies the host's policy before any plugin sees a spec, and hands the
// request to the plugin.
//
// Host policy runs before any plugin sees a spec (see validate_spec below and
// check_policy in moat/core/policy.hpp).
//
// Not thread-safe: one service per thread (plugin instances are opened once
// per service and reused).
#pragma once

#include <moat/core/config.hpp>
#include <moat/core/creation_journal.hpp>
#include <moat/core/plugin_registry.hpp>
#include <moat/core/policy.hpp>
#include <moat/core/probe_cache.hpp>
#include <moat/core/probe_verdict_file.hpp>
#include <moat/core/runtime_handle.hpp>
#include <moat/engine/docker_client.hpp>
#include <moat/error.hpp>
#include <moat/model.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::core {

// Thrown when the caller's cancellation predicate said stop (Ctrl-C): what
// the interrupted call had created is already removed. Status MOAT_E_FAILED
// for callers that do not tell it apart; the CLI maps it to exit 130.
class Cancelled : public moat::Error {
 public:
  explicit Cancelled(const std::string& message) : moat::Error(MOAT_E_FAILED, message) {}
};

// What `list()` found: every sandbox of every runtime that could list, and
// the runtimes that could not (engine down, plugin error), with why.
struct SandboxListing {
  std::vector<SandboxInfo> sandboxes;                         // by runtime, then name
  std::vector<std::pair<std::string, moat::Error>> failures;  // runtime id, error
};

class SandboxService {
 public:
  // `cancelled` is polled between the steps of create (before anything is
  // made, between create and start, after start); empty = never cancelled.
  SandboxService(const PluginRegistry& registry, Config config, std::function<bool()> cancelled = {});
  ~SandboxService();
  SandboxService(const SandboxService&) = delete;
  SandboxService& operator=(const SandboxService&) = delete;

  // create() refuses a name another runtime has (one inspect per other
  // loaded runtime). The benchmark harness names every sandbox after its
  // unique run id and turns the check off, so a measured create costs what
  // the runtime costs.
  void skip_cross_runtime_name_check() { cross_runtime_name_check_ = false; }

  // Probe verdicts come from (and go to) `cache` instead of being taken once
  // for the service's life: the services of `moat serve` share one, whose
  // verdicts expire.
  void share_probe_cache(std::shared_ptr<ProbeCache> cache) { probe_cache_ = std::move(cache); }
  // Without a shared cache, a create's availability check reuses what
  // `verdicts` kept from an earlier moat process while it is still good
  // (ProbeVerdictFile), and keeps what it probes there.
  void keep_probe_verdicts(std::shared_ptr<ProbeVerdictFile> verdicts) { verdicts_ = std::move(verdicts); }

  // Resolves the runtime, applies the host policy (validate_spec, then
  // check_policy: what it allowed is recorded in the kPolicyLabel), refuses
  // a field the runtime does not declare (check_declared_fields), checks the runtime is
  // available (its probe(), once per service and runtime, unless the
  // runtime's configuration section says "verify": false - the diagnostic
  // switch that also makes the sysbox plugin skip its own checks), creates,
  // and with `start` starts. On any failure or cancellation nothing of this call is
  // left behind. The spec's bind sources are passed on resolved (canonical).
  SandboxInfo create(SandboxSpec spec, bool start);
  SandboxInfo start(const std::string& name);
  void stop(const std::string& name, double timeout_s = 10);
  void restart(const std::string& name, double timeout_s = 10);
  void remove(const std::string& name);
  ExecResult exec(const ExecRequest& request);
  // The output goes to `sink` as it comes (ABI 1.1); MOAT_E_UNSUPPORTED when
  // the owner's plugin cannot stream (then exec() buffers it).
  ExecResult exec_stream(const ExecRequest& request, const OutputSink& sink);
  // stdin and terminal events from `input`, output to `sink` (ABI 1.1,
  // docker exec -i/-it); MOAT_E_UNSUPPORTED when the owner cannot.
  ExecResult exec_interactive(const ExecRequest& request, const InputSource& input, const OutputSink& sink);
  // The log as it comes (ABI 1.1): tail, follow, since; MOAT_E_UNSUPPORTED
  // when the owner's plugin cannot stream logs (then logs() buffers it).
  void logs_stream(const LogsRequest& request, const OutputSink& sink);
  SandboxInfo inspect(const std::string& name);
  LogsResult logs(const std::string& name, std::optional<std::uint64_t> tail = std::nullopt);
  // Every sandbox of every loaded runtime that can list.
  SandboxListing list();

  // ---- ABI 1.1 networks (sandbox_service_networks.cpp) ----
  // A network made through runtime `runtime_id` (empty: the default). On an
  // engine every Docker-backed runtime's sandboxes can join it.
  NetworkInfo create_network(const NetworkSpec& spec, const std::string& runtime_id);
  // Removes a network moat made, through the first runtime that lists it.
  void remove_network(const std::string& name);
  // The networks moat made, each once (runtimes on one engine list the same).
  std::vector<NetworkInfo> list_networks();
  // Through the sandbox's owner.
  void connect_network(const std::string& sandbox, const std::string& network);
  void disconnect_network(const std::string& sandbox, const std::string& network);

  // ---- ABI 1.1 snapshots (sandbox_service_snapshots.cpp) ----
  // Sandbox `name` becomes snapshot `snapshot`, through its owner.
  SnapshotInfo snapshot(const std::string& name, const std::string& snapshot);
  // A new sandbox from snapshot `snapshot`, checked and rolled back as
  // create() does: spec.runtime defaults to the snapshot's runtime, and
  // spec.image must be empty (the snapshot gives it).
  SandboxInfo restore(const std::string& snapshot, SandboxSpec spec, bool start);
  // Every runtime's snapshots, by name.
  std::vector<SnapshotInfo> list_snapshots();
  // The snapshot called `name` (not-found when no runtime has it).
  SnapshotInfo find_snapshot(const std::string& name);
  void remove_snapshot(const std::string& name);

  // The runtime that owns sandbox `name`: asks each loaded runtime's
  // inspect(), the default runtime first. Throws invalid (bad name),
  // not-found, or - when no runtime claims it and some could not answer -
  // that runtime's error (e.g. unavailable: the engine is down).
  RuntimeHandle& owner(const std::string& name);
  // A runtime by id, opened once with its configuration section. Throws
  // unavailable (no such plugin; the message lists the known ids), unavailable
  // (its plugin failed to load: the plugin's reason), or the plugin's create()
  // error.
  RuntimeHandle& runtime(const std::string& id);
  // The runtime's describe(), asked once per service.
  const Capabilities& capabilities(const std::string& id);
  // The runtime's probe(), run once per service (or as the shared probe
  // cache says); a plugin whose probe throws is reported unavailable with
  // that error.
  const ProbeResult& availability(const std::string& id);

  // The id a spec goes to: spec.runtime, or the configured default.
  [[nodiscard]] std::string runtime_id_for(const SandboxSpec& spec) const;
  // The ids of loaded runtimes, the default first.
  [[nodiscard]] std::vector<std::string> loaded_runtime_ids() const;

  [[nodiscard]] const Config& config() const { return config_; }

 private:
  struct Located {
    RuntimeHandle* handle;
    std::optional<SandboxInfo> info;  // set when the lookup just inspected it
  };
  Located locate(const std::string& name);
  // create() and restore(): everything but the plugin call that makes the
  // sandbox, which `maker` does.
  using Maker = std::function<SandboxInfo(RuntimeHandle&, const SandboxSpec&)>;
  SandboxInfo make(SandboxSpec spec, bool start, const Maker& maker);
  // `op` on each loaded runtime that has operation `op_name`; the first
  // error (a runtime whose engine is down, say) is thrown when no runtime
  // could answer.
  void on_each_runtime(std::string_view op_name, const std::function<void(RuntimeHandle&)>& op);
  void check_cancelled(const std::string& step) const;
  void refuse_name_on_other_runtime(const std::string& name, const std::string& runtime_id);
  // The host paths binds may not reach (check_policy). When `ask_engine`,
  // the engine's DockerRootDir is added, asked for once per service with a
  // short timeout (an engine that does not answer adds nothing).
  const std::vector<std::filesystem::path>& protected_paths(bool ask_engine);
  // False when the runtime's configuration section has "verify": false.
  [[nodiscard]] bool verifies(const std::string& id) const;

  const PluginRegistry& registry_;
  Config config_;
  std::function<bool()> cancelled_;
  std::map<std::string, std::unique_ptr<RuntimeHandle>, std::less<>> open_;
  std::map<std::string, ProbeResult, std::less<>> probes_;
  std::map<std::string, Capabilities, std::less<>> capabilities_;
  std::map<std::string, std::string, std::less<>> owners_;  // sandbox name -> runtime id, found this session
  CreationJournal journal_{CreationJournal::default_dir()};
  std::optional<std::vector<std::filesystem::path>> protected_paths_;
  bool asked_engine_ = false;
  bool cross_runtime_name_check_ = true;
  std::shared_ptr<ProbeCache> probe_cache_;
  std::shared_ptr<ProbeVerdictFile> verdicts_;
};

// The host's checks on a spec, exposed for tests and fuzzing: the shared
// checks of moat::support::check_common_spec (names, users, paths) plus the
// host's allowed_bind_roots, applied after resolving symlinks so a link
// cannot escape a root. Throws moat::Error(MOAT_E_INVALID), one line.
void validate_spec(const SandboxSpec& spec, const std::vector<std::filesystem::path>& allowed_bind_roots);

// The engine the configuration names (engine.socket, engine.timeout_s), else
// DOCKER_HOST / /var/run/docker.sock.
engine::ClientOptions engine_client_options(const Config& config);

// `spec` with every host path (workspace, home, bind sources) replaced by its
// canonical form, so what was validated is what the plugin binds even if a
// symlink changes afterwards. Call after validate_spec (the paths exist).
SandboxSpec with_resolved_bind_paths(SandboxSpec spec);

}  // namespace moat::core
