#include <moat/core/runtime_handle.hpp>

#include <array>
#include <cstddef>
#include <cstring>
#include <exception>
#include <type_traits>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace moat::core {

namespace {

struct OpSlot {
  std::string_view name;
  size_t offset;
};

// The optional operations in ABI order. Their names are the descriptor's
// field names: what `plugins info` lists and errors quote.
constexpr std::array<OpSlot, 11> kOptionalOps{{
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
}};

// A slot exists only if the plugin's struct_size covers it (older minors
// have shorter descriptors).
moat_op_fn slot_at(const moat_plugin_descriptor& d, size_t offset) {
  if (d.struct_size < offset + sizeof(moat_op_fn)) return nullptr;
  moat_op_fn fn = nullptr;
  std::memcpy(&fn, reinterpret_cast<const char*>(&d) + offset, sizeof fn);
  return fn;
}

bool known_status(std::underlying_type_t<moat_status> s) { return s >= MOAT_E_UNSUPPORTED && s <= MOAT_E_INTERNAL; }

}  // namespace

std::vector<std::string> supported_operations(const moat_plugin_descriptor& d) {
  std::vector<std::string> ops;
  for (const auto& op : kOptionalOps) {
    if (slot_at(d, op.offset) != nullptr) ops.emplace_back(op.name);
  }
  return ops;
}

moat_op_fn operation_slot(const moat_plugin_descriptor& d, std::string_view op_name) {
  for (const auto& op : kOptionalOps) {
    if (op.name == op_name) return slot_at(d, op.offset);
  }
  return nullptr;
}

RuntimeHandle::RuntimeHandle(const moat_plugin_descriptor* descriptor, moat_plugin* instance)
    : descriptor_(descriptor), instance_(instance) {
  if (descriptor_ == nullptr || instance_ == nullptr) {
    throw Error(MOAT_E_INTERNAL, "RuntimeHandle needs a descriptor and an instance");
  }
}

RuntimeHandle::~RuntimeHandle() {
  try {
    descriptor_->destroy(instance_);
  } catch (const std::exception& e) {
    spdlog::error("plugin '{}' let an exception escape from destroy(): {}", id(), e.what());
  } catch (...) {
    spdlog::error("plugin '{}' let an exception escape from destroy()", id());
  }
}

std::string RuntimeHandle::id() const { return descriptor_->id != nullptr ? descriptor_->id : ""; }

std::vector<std::string> RuntimeHandle::operations() const { return supported_operations(*descriptor_); }

nlohmann::json RuntimeHandle::call(moat_op_fn fn, const char* op_name, const nlohmann::json& request) {
  if (fn == nullptr) throw Error(MOAT_E_UNSUPPORTED, fmt::format("runtime '{}' does not support {}", id(), op_name));

  const std::string body = request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  char* raw = nullptr;
  // Kept as the integer it is: a plugin may return any value, and reading one
  // outside moat_status as the enum is undefined behaviour.
  std::underlying_type_t<moat_status> code = MOAT_OK;
  try {
    const moat_status returned = fn(instance_, body.c_str(), &raw);
    std::memcpy(&code, &returned, sizeof code);
  } catch (const std::exception& e) {
    // Only a plugin that bypasses the SDK's trampolines gets here; the
    // unwinding crossed its C frames, which g++ code survives.
    throw Error(MOAT_E_INTERNAL,
                fmt::format("plugin '{}' let an exception escape from {} (a plugin bug): {}", id(), op_name, e.what()));
  } catch (...) {
    throw Error(MOAT_E_INTERNAL,
                fmt::format("plugin '{}' let an exception escape from {} (a plugin bug)", id(), op_name));
  }
  // The plugin allocated it; only the plugin may free it.
  const std::unique_ptr<char, void (*)(char*)> response(raw, descriptor_->free_string);
  const std::string text = response ? std::string(response.get()) : std::string();

  if (code != MOAT_OK) {
    if (!known_status(code)) {
      throw Error(MOAT_E_INTERNAL,
                  fmt::format("plugin '{}' returned unknown status {} from {}", id(), static_cast<int>(code), op_name));
    }
    const auto status = static_cast<moat_status>(code);
    std::string message;
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_object()) {
      if (auto it = j.find("message"); it != j.end() && it->is_string()) message = it->get<std::string>();
    }
    if (message.empty()) message = fmt::format("runtime '{}' failed in {} ({})", id(), op_name, status_name(status));
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

nlohmann::json RuntimeHandle::call(std::string_view op_name, const nlohmann::json& request) {
  const std::string name(op_name);
  return call(operation_slot(*descriptor_, op_name), name.c_str(), request);
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
  return convert<Capabilities>(call(descriptor_->describe, "describe", nlohmann::json::object()), id(), "describe");
}

ProbeResult RuntimeHandle::probe() {
  return convert<ProbeResult>(call(descriptor_->probe, "probe", nlohmann::json::object()), id(), "probe");
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

void RuntimeHandle::disconnect_network(const std::string& name, const std::string& network) {
  call("network_disconnect", {{"name", name}, {"network", network}});
}

}  // namespace moat::core
