// The sandbox service's networks (ABI 1.1): made and removed through a
// runtime plugin, listed once however many runtimes share an engine, and
// joined through the sandbox's owner.
#include <moat/core/sandbox_service.hpp>
#include <moat/support/spec_checks.hpp>

#include <algorithm>
#include <optional>
#include <set>

namespace moat::core {

void SandboxService::on_each_runtime(std::string_view op_name, const std::function<void(RuntimeHandle&)>& op) {
  std::optional<moat::Error> first_error;
  bool answered = false;
  for (const auto& id : loaded_runtime_ids()) {
    RuntimeHandle* handle = nullptr;
    try {
      handle = &runtime(id);
    } catch (const moat::Error& e) {
      if (!first_error) first_error = e;
      continue;
    }
    if (!handle->supports(op_name)) continue;
    try {
      op(*handle);
      answered = true;
    } catch (const moat::Error& e) {
      // Not-found and conflict are answers about the object, not about the runtime.
      if (e.status() == MOAT_E_NOT_FOUND || e.status() == MOAT_E_CONFLICT || e.status() == MOAT_E_INVALID) throw;
      if (!first_error) first_error = e;
    }
  }
  if (!answered && first_error) throw *first_error;
}

NetworkInfo SandboxService::create_network(const NetworkSpec& spec, const std::string& runtime_id) {
  support::check_object_name(spec.name, "name", "network");
  SandboxSpec for_runtime;
  for_runtime.runtime = runtime_id;
  return runtime(runtime_id_for(for_runtime)).create_network(spec);
}

std::vector<NetworkInfo> SandboxService::list_networks() {
  std::vector<NetworkInfo> out;
  std::set<std::string> seen;
  on_each_runtime("network_list", [&](RuntimeHandle& h) {
    for (auto& n : h.list_networks())
      if (seen.insert(n.id).second) out.push_back(std::move(n));
  });
  std::sort(out.begin(), out.end(), [](const NetworkInfo& a, const NetworkInfo& b) { return a.name < b.name; });
  return out;
}

void SandboxService::remove_network(const std::string& name) {
  support::check_object_name(name, "name", "network");
  bool removed = false;
  on_each_runtime("network_list", [&](RuntimeHandle& h) {
    if (removed) return;
    const auto networks = h.list_networks();
    if (std::none_of(networks.begin(), networks.end(), [&](const NetworkInfo& n) { return n.name == name; })) return;
    h.remove_network(name);
    removed = true;
  });
  if (!removed)
    throw moat::Error(MOAT_E_NOT_FOUND,
                      "no network named '" + name + "' was made by moat ('moat network ls' lists them)");
}

void SandboxService::connect_network(const std::string& sandbox, const std::string& network) {
  support::check_object_name(network, "network", "network");
  owner(sandbox).connect_network(sandbox, network);
}

void SandboxService::disconnect_network(const std::string& sandbox, const std::string& network) {
  support::check_object_name(network, "network", "network");
  owner(sandbox).disconnect_network(sandbox, network);
}

}  // namespace moat::core
