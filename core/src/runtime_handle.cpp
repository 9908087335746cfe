#include <moat/core/in_process_connection.hpp>
#include <moat/core/runtime_handle.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace moat::core {

namespace {

struct OpSlot {
  std::string_view name;
  size_t offset;
};

// The optional operations in ABI order. Their names are the descriptor's
// field names: what `plugins info` lists and errors quote.
constexpr std::array<OpSlot, 23> kOptionalOps{{
    {"sandbox_create", offsetof(moat_plugin_descriptor, sandbox_create)},
    {"sandbox_start", offsetof(moat_plugin_descriptor, sandbox_start)},
    {"sandbox_stop", offsetof(moat_plugin_descriptor, sandbox_stop)},
    {"sandbox_restart", offsetof(moat_plugin_descriptor, sandbox_restart)},
    {"sandbox_remove", offsetof(moat_plugin_descriptor, sandbox_remove)},
    {"sandbox_exec", offsetof(moat_plugin_descriptor, sandbox_exec)},
    {"sandbox_inspect", offsetof(moat_plugin_descriptor, sandbox_inspect)},
    {"sandbox_logs", offsetof(moat_plugin_descriptor, sandbox_logs)},
    {"sandbox_list", offsetof(moat_plugin_descriptor, sandbox_list)},
    {"network_connect", offsetof(moat_plugin_descriptor, network_connect)},
    {"network_disconnect", offsetof(moat_plugin_descriptor, network_disconnect)},
    {"managed_list", offsetof(moat_plugin_descriptor, managed_list)},
    {"managed_remove", offsetof(moat_plugin_descriptor, managed_remove)},
    {"sandbox_exec_stream", offsetof(moat_plugin_descriptor, sandbox_exec_stream)},
    {"sandbox_logs_stream", offsetof(moat_plugin_descriptor, sandbox_logs_stream)},
    {"network_create", offsetof(moat_plugin_descriptor, network_create)},
    {"network_remove", offsetof(moat_plugin_descriptor, network_remove)},
    {"network_list", offsetof(moat_plugin_descriptor, network_list)},
    {"sandbox_snapshot", offsetof(moat_plugin_descriptor, sandbox_snapshot)},
    {"sandbox_restore", offsetof(moat_plugin_descriptor, sandbox_restore)},
    {"snapshot_list", offsetof(moat_plugin_descriptor, snapshot_list)},
    {"snapshot_remove", offsetof(moat_plugin_descriptor, snapshot_remove)},
    {"sandbox_exec_interactive", offsetof(moat_plugin_descriptor, sandbox_exec_interactive)},
}};

// Slots whose function has a signature of its own (stream_slot, interactive_slot).
bool own_signature(std::string_view op) {
  return op == "sandbox_exec_stream" || op == "sandbox_logs_stream" || op == "sandbox_exec_interactive";
}

// A slot exists only if the plugin's struct_size covers it (older minors
// have shorter descriptors).
moat_op_fn slot_at(const moat_plugin_descriptor& d, size_t offset) {
  if (d.struct_size < offset + sizeof(moat_op_fn)) return nullptr;
  moat_op_fn fn = nullptr;
  std::memcpy(&fn, reinterpret_cast<const char*>(&d) + offset, sizeof fn);
  return fn;
}

bool known_status(int s) { return s >= MOAT_E_UNSUPPORTED && s <= MOAT_E_INTERNAL; }

}  // namespace

std::vector<std::string> supported_operations(const moat_plugin_descriptor& d) {
  std::vector<std::string> ops;
  for (const auto& op : kOptionalOps) {
    if (slot_at(d, op.offset) != nullptr) ops.emplace_back(op.name);
  }
  return ops;
}

moat_stream_op_fn stream_slot(const moat_plugin_descriptor& d, std::string_view op_name) {
  size_t offset = 0;
  if (op_name == "sandbox_exec_stream") {
    offset = offsetof(moat_plugin_descriptor, sandbox_exec_stream);
  } else if (op_name == "sandbox_logs_stream") {
    offset = offsetof(moat_plugin_descriptor, sandbox_logs_stream);
  } else {
    return nullptr;
  }
  if (d.struct_size < offset + sizeof(moat_stream_op_fn)) return nullptr;
  moat_stream_op_fn fn = nullptr;
  std::memcpy(&fn, reinterpret_cast<const char*>(&d) + offset, sizeof fn);
  return fn;
}

moat_interactive_op_fn interactive_slot(const moat_plugin_descriptor& d, std::string_view op_name) {
  if (op_name != "sandbox_exec_interactive") return nullptr;
  constexpr size_t offset = offsetof(moat_plugin_descriptor, sandbox_exec_interactive);
  if (d.struct_size < offset + sizeof(moat_interactive_op_fn)) return nullptr;
  moat_interactive_op_fn fn = nullptr;
  std::memcpy(&fn, reinterpret_cast<const char*>(&d) + offset, sizeof fn);
  return fn;
}

moat_op_fn operation_slot(const moat_plugin_descriptor& d, std::string_view op_name) {
  // Called as a moat_op_fn, such a slot would be called with the wrong arguments.
  if (own_signature(op_name)) return nullptr;
  for (const auto& op : kOptionalOps) {
    if (op.name == op_name) return slot_at(d, op.offset);
  }
  return nullptr;
}

RuntimeHandle::RuntimeHandle(std::string id, std::vector<std::string> operations,
                             std::unique_ptr<PluginConnection> connection, CallDeadlines deadlines)
    : id_(std::move(id)),
      operations_(std::move(operations)),
      connection_(std::move(connection)),
      deadlines_(deadlines) {
  if (!connection_) throw Error(MOAT_E_INTERNAL, "RuntimeHandle needs a connection");
}

namespace {

std::unique_ptr<PluginConnection> adopt(const moat_plugin_descriptor* d, moat_plugin* instance) {
  if (d == nullptr || instance == nullptr)
    throw Error(MOAT_E_INTERNAL, "RuntimeHandle needs a descriptor and an instance");
  CallContext context;
  context.plugin_id = d->id != nullptr ? d->id : "";
  return std::make_unique<InProcessConnection>(*d, instance, std::move(context));
}

}  // namespace

RuntimeHandle::RuntimeHandle(const moat_plugin_descriptor* descriptor, moat_plugin* instance)
    : RuntimeHandle(descriptor != nullptr && descriptor->id != nullptr ? descriptor->id : "",
                    descriptor != nullptr ? supported_operations(*descriptor) : std::vector<std::string>{},
                    adopt(descriptor, instance)) {}

RuntimeHandle::~RuntimeHandle() = default;

std::string RuntimeHandle::id() const { return id_; }

std::vector<std::string> RuntimeHandle::operations() const { return operations_; }

nlohmann::json RuntimeHandle::call(std::string_view op_name, const nlohmann::json& request) {
  const bool required = op_name == "describe" || op_name == "probe";
  if (!required && !supports(op_name))
    throw Error(MOAT_E_UNSUPPORTED, fmt::format("runtime '{}' does not support {}", id(), op_name));

  const std::string body = request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const double exec_timeout = op_name == "sandbox_exec" ? request.value("timeout_s", 0.0) : 0.0;
  return interpret(op_name, connection_->call(op_name, body, deadlines_.for_op(op_name, exec_timeout)));
}

nlohmann::json RuntimeHandle::interpret(std::string_view op_name, const PluginAnswer& answer) {
  const std::string& text = answer.text;

  if (answer.status != MOAT_OK) {
    if (!known_status(answer.status)) {
      throw Error(MOAT_E_INTERNAL,
                  fmt::format("plugin '{}' returned unknown status {} from {}", id(), answer.status, op_name));
    }
    const auto status = static_cast<moat_status>(answer.status);
    std::string message;
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_object()) {
      if (auto it = j.find("message"); it != j.end() && it->is_string()) message = it->get<std::string>();
    }
    if (message.empty()) {
      message = status == MOAT_E_UNSUPPORTED
                    ? fmt::format("runtime '{}' does not support {}", id(), op_name)
                    : fmt::format("runtime '{}' failed in {} ({})", id(), op_name, status_name(status));
    }
    throw Error(status, message);
  }

  if (text.empty()) return nullptr;
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(MOAT_E_INTERNAL,
                fmt::format("plugin '{}' returned malformed JSON from {}: {}", id(), op_name, e.what()));
  }
}

namespace {

// A document of the wrong shape is the plugin's bug, reported as such.
template <typename T>
T convert(const nlohmann::json& j, const std::string& id, const char* op_name) {
  try {
    return j.is_null() ? T{} : j.get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(MOAT_E_INTERNAL,
                fmt::format("plugin '{}' returned an unexpected document from {}: {}", id, op_name, e.what()));
  }
}

}  // namespace

Capabilities RuntimeHandle::describe() {
  return convert<Capabilities>(call("describe", nlohmann::json::object()), id(), "describe");
}

ProbeResult RuntimeHandle::probe() {
  return convert<ProbeResult>(call("probe", nlohmann::json::object()), id(), "probe");
}

SandboxInfo RuntimeHandle::create(const SandboxSpec& spec) {
  return convert<SandboxInfo>(call("sandbox_create", spec), id(), "sandbox_create");
}

SandboxInfo RuntimeHandle::start(const std::string& name) {
  return convert<SandboxInfo>(call("sandbox_start", {{"name", name}}), id(), "sandbox_start");
}

void RuntimeHandle::stop(const std::string& name, double timeout_s) {
  call("sandbox_stop", {{"name", name}, {"timeout_s", timeout_s}});
}

void RuntimeHandle::restart(const std::string& name, double timeout_s) {
  call("sandbox_restart", {{"name", name}, {"timeout_s", timeout_s}});
}

void RuntimeHandle::remove(const std::string& name) { call("sandbox_remove", {{"name", name}}); }

nlohmann::json RuntimeHandle::call_streaming(std::string_view op_name, const nlohmann::json& request,
                                             const OutputSink& sink, std::chrono::milliseconds deadline) {
  if (!supports(op_name))
    throw Error(MOAT_E_UNSUPPORTED, fmt::format("runtime '{}' does not support {}", id(), op_name));
  const std::string body = request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return interpret(op_name, connection_->call_streaming(op_name, body, sink, deadline));
}

ExecResult RuntimeHandle::exec_stream(const ExecRequest& request, const OutputSink& sink) {
  constexpr std::string_view op = "sandbox_exec_stream";
  return convert<ExecResult>(call_streaming(op, request, sink, deadlines_.for_op(op, request.timeout_s)), id(),
                             "sandbox_exec_stream");
}

void RuntimeHandle::logs_stream(const LogsRequest& request, const OutputSink& sink) {
  // Following lasts as long as the sandbox runs and the reader reads.
  call_streaming("sandbox_logs_stream", request, sink, request.follow ? kUnlimitedStream : deadlines_.lifecycle);
}

ExecResult RuntimeHandle::exec_interactive(const ExecRequest& request, const InputSource& input,
                                           const OutputSink& sink) {
  constexpr std::string_view op = "sandbox_exec_interactive";
  if (!supports(op)) throw Error(MOAT_E_UNSUPPORTED, fmt::format("runtime '{}' does not support {}", id(), op));
  const std::string body = nlohmann::json(request).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return convert<ExecResult>(
      interpret(op, connection_->call_interactive(op, body, input, sink, deadlines_.for_op(op, request.timeout_s))),
      id(), "sandbox_exec_interactive");
}

ExecResult RuntimeHandle::exec(const ExecRequest& request) {
  return convert<ExecResult>(call("sandbox_exec", request), id(), "sandbox_exec");
}

SandboxInfo RuntimeHandle::inspect(const std::string& name) {
  return convert<SandboxInfo>(call("sandbox_inspect", {{"name", name}}), id(), "sandbox_inspect");
}

LogsResult RuntimeHandle::logs(const std::string& name, std::optional<std::uint64_t> tail) {
  return convert<LogsResult>(call("sandbox_logs", nlohmann::json(LogsRequest{name, tail})), id(), "sandbox_logs");
}

std::vector<SandboxInfo> RuntimeHandle::list() {
  return convert<std::vector<SandboxInfo>>(call("sandbox_list", nlohmann::json::object()), id(), "sandbox_list");
}

void RuntimeHandle::connect_network(const std::string& name, const std::string& network) {
  call("network_connect", {{"name", name}, {"network", network}});
}

std::vector<ManagedObject> RuntimeHandle::managed_list() {
  return convert<std::vector<ManagedObject>>(call("managed_list", nlohmann::json::object()), id(), "managed_list");
}

void RuntimeHandle::managed_remove(const ManagedObject& object) { call("managed_remove", object); }

NetworkInfo RuntimeHandle::create_network(const NetworkSpec& spec) {
  return convert<NetworkInfo>(call("network_create", spec), id(), "network_create");
}

void RuntimeHandle::remove_network(const std::string& name) { call("network_remove", {{"name", name}}); }

std::vector<NetworkInfo> RuntimeHandle::list_networks() {
  return convert<std::vector<NetworkInfo>>(call("network_list", nlohmann::json::object()), id(), "network_list");
}

SnapshotInfo RuntimeHandle::snapshot(const std::string& name, const std::string& snapshot) {
  return convert<SnapshotInfo>(call("sandbox_snapshot", {{"name", name}, {"snapshot", snapshot}}), id(),
                               "sandbox_snapshot");
}

SandboxInfo RuntimeHandle::restore(const RestoreRequest& request) {
  return convert<SandboxInfo>(call("sandbox_restore", request), id(), "sandbox_restore");
}

std::vector<SnapshotInfo> RuntimeHandle::list_snapshots() {
  return convert<std::vector<SnapshotInfo>>(call("snapshot_list", nlohmann::json::object()), id(), "snapshot_list");
}

void RuntimeHandle::remove_snapshot(const std::string& name) { call("snapshot_remove", {{"name", name}}); }

bool RuntimeHandle::supports(std::string_view op_name) const {
  return std::find(operations_.begin(), operations_.end(), op_name) != operations_.end();
}

void RuntimeHandle::disconnect_network(const std::string& name, const std::string& network) {
  call("network_disconnect", {{"name", name}, {"network", network}});
}

}  // namespace moat::core
