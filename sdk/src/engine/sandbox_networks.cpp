// Engine networks: the bridges moat makes (ABI 1.1), and attaching a
// sandbox to a network and detaching it.
#include <moat/engine/docker_runtime.hpp>
#include <moat/support/json_read.hpp>
#include <moat/support/spec_checks.hpp>

#include "runtime_internal.hpp"

#include <algorithm>
#include <thread>

namespace moat::engine {

using detail::invalid;
using support::member;
using support::string_at;

namespace {

// On a network moat made: its name (the engine's may be matched by id prefix).
constexpr const char* kNetworkLabel = "moat.network";

NetworkInfo network_info(const nlohmann::json& n) {
  NetworkInfo info;
  info.name = string_at(n, "Name");
  info.id = string_at(n, "Id");
  info.driver = string_at(n, "Driver");
  info.internal = support::bool_at(n, "Internal", false);
  info.labels = detail::labels_of(member(n, "Labels"));
  const auto& containers = member(n, "Containers");
  if (containers.is_object())
    for (const auto& [id, c] : containers.items()) info.sandboxes.push_back(string_at(c, "Name"));
  std::sort(info.sandboxes.begin(), info.sandboxes.end());
  return info;
}

bool made_by_moat(const nlohmann::json& n) {
  const auto labels = detail::labels_of(member(n, "Labels"));
  auto it = labels.find(kManagedLabel);
  return it != labels.end() && it->second == "true" && labels.contains(kNetworkLabel);
}

}  // namespace

NetworkInfo DockerRuntime::create_network(const NetworkSpec& spec) {
  support::check_object_name(spec.name, "name", "network");
  for (const auto& [k, v] : spec.labels) {
    if (k.empty()) invalid("labels: a label key is empty");
    if (k.rfind("moat.", 0) == 0) invalid("labels: '" + k + "' is a moat.* label, which moat sets itself");
  }
  if (client_.inspect_network(spec.name))
    throw moat::Error(MOAT_E_CONFLICT, "a network named '" + spec.name + "' already exists");
  std::map<std::string, std::string> labels = spec.labels;
  labels[kManagedLabel] = "true";
  labels[kNetworkLabel] = spec.name;
  labels[kRuntimeLabel] = plugin_id_;
  std::string id;
  try {
    id = client_.create_network(spec.name, labels, spec.internal);
  } catch (const EngineError& e) {
    throw moat::Error(e.http_status() == 409 ? MOAT_E_CONFLICT : e.status(),
                      "create network '" + spec.name + "': " + e.what());
  }
  auto made = client_.inspect_network(id);
  if (!made) throw moat::Error(MOAT_E_FAILED, "network '" + spec.name + "' was created and is gone again");
  return network_info(*made);
}

void DockerRuntime::remove_network(const std::string& name) {
  support::check_object_name(name, "name", "network");
  auto found = client_.inspect_network(name);
  if (!found || string_at(*found, "Name") != name)
    throw moat::Error(MOAT_E_NOT_FOUND, "no network named '" + name + "' ('moat network ls' lists moat's)");
  if (!made_by_moat(*found))
    throw moat::Error(MOAT_E_NOT_FOUND, "network '" + name + "' was not created by moat; moat leaves it alone");
  const NetworkInfo info = network_info(*found);
  if (!info.sandboxes.empty()) {
    std::string names;
    for (const auto& s : info.sandboxes) names += (names.empty() ? "" : ", ") + s;
    throw moat::Error(MOAT_E_CONFLICT, "network '" + name + "' still has sandbox(es) " + names +
                                           " on it; disconnect them ('moat network disconnect') or remove them first");
  }
  try {
    client_.remove_network(info.id);
  } catch (const EngineError& e) {
    throw moat::Error(e.status(), "remove network '" + name + "': " + e.what());
  }
}

std::vector<NetworkInfo> DockerRuntime::list_networks() {
  std::vector<NetworkInfo> out;
  for (const auto& n : client_.list_networks({{kManagedLabel, "true"}})) {
    if (!made_by_moat(n)) continue;
    // The list leaves out who is attached; inspect says.
    auto full = client_.inspect_network(string_at(n, "Id"));
    if (full) out.push_back(network_info(*full));
  }
  return out;
}

void DockerRuntime::connect_network(const std::string& name, const std::string& network) {
  if (network.empty()) invalid("network: give the name of an engine network");
  Resolved r = resolve(name, true);
  for (int attempt = 1;; ++attempt) {
    try {
      client_.connect_network(network, r.id);
      return;
    } catch (const EngineError& e) {
      // A Sysbox container's network namespace may not be attachable right
      // after start (Sandcastle retries the same way): the engine fails
      // inside (500), so a 500 is tried again, twice.
      if (e.http_status() >= 500 && attempt < 3) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300 * attempt));
        continue;
      }
      // 404 names the network or the container; the container was just found.
      if (e.http_status() == 404 && detail::ask([&] { return client_.find_container(r.id).has_value(); }) == true)
        throw moat::Error(MOAT_E_NOT_FOUND, "network '" + network + "' does not exist (" + e.what() + ")");
      throw moat::Error(e.status(), "connect sandbox '" + name + "' to network '" + network + "': " + e.what());
    }
  }
}

void DockerRuntime::disconnect_network(const std::string& name, const std::string& network) {
  if (network.empty()) invalid("network: give the name of an engine network");
  Resolved r = resolve(name, true);
  try {
    client_.disconnect_network(network, r.id, false);
  } catch (const EngineError& e) {
    throw moat::Error(e.status(), "disconnect sandbox '" + name + "' from network '" + network + "': " + e.what());
  }
}

}  // namespace moat::engine
