// One instance of a loaded runtime plugin, seen through moat's own types.
// Calls go through a PluginConnection (in moat's process or a broker child,
// plugin_calls.hpp), each with its deadline; an operation the plugin leaves
// out throws moat::Error(MOAT_E_UNSUPPORTED), a failed call throws
// moat::Error with the plugin's status and message.
#pragma once

#include <moat/plugin_abi.h>
#include <moat/core/plugin_calls.hpp>
#include <moat/error.hpp>
#include <moat/model.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::core {

class RuntimeHandle {
 public:
  // `operations`: the optional operations the plugin fills.
  RuntimeHandle(std::string id, std::vector<std::string> operations, std::unique_ptr<PluginConnection> connection,
                CallDeadlines deadlines = {});
  // In moat's process, with the default deadlines: takes ownership of
  // `instance`, created from `descriptor`.
  RuntimeHandle(const moat_plugin_descriptor* descriptor, moat_plugin* instance);
  ~RuntimeHandle();
  RuntimeHandle(const RuntimeHandle&) = delete;
  RuntimeHandle& operator=(const RuntimeHandle&) = delete;

  [[nodiscard]] std::string id() const;
  [[nodiscard]] std::vector<std::string> operations() const;  // optional ops present
  [[nodiscard]] Isolation isolation() const noexcept { return connection_->isolation(); }

  Capabilities describe();
  ProbeResult probe();

  SandboxInfo create(const SandboxSpec& spec);
  SandboxInfo start(const std::string& name);
  void stop(const std::string& name, double timeout_s = 10);
  void restart(const std::string& name, double timeout_s = 10);
  void remove(const std::string& name);
  ExecResult exec(const ExecRequest& request);
  // ABI 1.1: the command's output goes to `sink` as it comes; the result has
  // no output. MOAT_E_UNSUPPORTED when the plugin has no streaming exec.
  ExecResult exec_stream(const ExecRequest& request, const OutputSink& sink);
  // ABI 1.1: stdin, terminal size and the end of input come from `input`,
  // the output goes to `sink` (docker exec -i / -it). MOAT_E_UNSUPPORTED
  // when the plugin has no interactive exec, or runs in a broker.
  ExecResult exec_interactive(const ExecRequest& request, const InputSource& input, const OutputSink& sink);
  // ABI 1.1: the log (tail, follow, since) goes to `sink` as it comes;
  // MOAT_E_UNSUPPORTED when the plugin cannot stream logs.
  void logs_stream(const LogsRequest& request, const OutputSink& sink);
  SandboxInfo inspect(const std::string& name);
  // `tail`: only the last N lines (a plugin that knows no tail returns all).
  LogsResult logs(const std::string& name, std::optional<std::uint64_t> tail = std::nullopt);
  std::vector<SandboxInfo> list();
  void connect_network(const std::string& name, const std::string& network);
  void disconnect_network(const std::string& name, const std::string& network);
  // ABI 1.1 networks moat makes on the plugin's backend.
  NetworkInfo create_network(const NetworkSpec& spec);
  void remove_network(const std::string& name);
  std::vector<NetworkInfo> list_networks();
  // ABI 1.1 snapshots: sandbox `name` becomes snapshot `snapshot`; a new
  // sandbox is made from one; the plugin's snapshots; one removed.
  SnapshotInfo snapshot(const std::string& name, const std::string& snapshot);
  SandboxInfo restore(const RestoreRequest& request);
  std::vector<SnapshotInfo> list_snapshots();
  void remove_snapshot(const std::string& name);
  // What `moat gc` sweeps (ABI 1.1; MOAT_E_UNSUPPORTED from an older plugin).
  std::vector<ManagedObject> managed_list();
  void managed_remove(const ManagedObject& object);
  // Whether the plugin fills optional operation `op_name`.
  [[nodiscard]] bool supports(std::string_view op_name) const;

  // Lower level: any operation by name ("probe", "sandbox_create", ...) with
  // a JSON request; used by the above. An operation the plugin leaves out
  // throws MOAT_E_UNSUPPORTED; malformed JSON back, or an exception escaping
  // the plugin, throws MOAT_E_INTERNAL; no answer in time, MOAT_E_TIMEOUT.
  nlohmann::json call(std::string_view op_name, const nlohmann::json& request);

 private:
  // The answer's document, or the error it carries, as call() reports them.
  nlohmann::json interpret(std::string_view op_name, const PluginAnswer& answer);
  // A streaming operation, as call().
  nlohmann::json call_streaming(std::string_view op_name, const nlohmann::json& request, const OutputSink& sink,
                                std::chrono::milliseconds deadline);

  std::string id_;
  std::vector<std::string> operations_;
  std::unique_ptr<PluginConnection> connection_;
  CallDeadlines deadlines_;
};

// The names of the optional operations a descriptor fills, in ABI order.
std::vector<std::string> supported_operations(const moat_plugin_descriptor& d);

// The slot for an optional operation by name; NULL when the plugin leaves it
// empty, its descriptor is too short to have it, or there is no such name.
moat_op_fn operation_slot(const moat_plugin_descriptor& d, std::string_view op_name);
// A streaming operation's slot ("sandbox_exec_stream", "sandbox_logs_stream":
// their own signature); NULL as for operation_slot.
moat_stream_op_fn stream_slot(const moat_plugin_descriptor& d, std::string_view op_name);
// The interactive slot ("sandbox_exec_interactive"); NULL as for operation_slot.
moat_interactive_op_fn interactive_slot(const moat_plugin_descriptor& d, std::string_view op_name);

}  // namespace moat::core
