// The engine's container JSON (inspect and list entries) as SandboxInfo.
#include <moat/engine/docker_runtime.hpp>

#include "runtime_internal.hpp"

#include <moat/support/json_read.hpp>

namespace moat::engine {

using json = nlohmann::json;
using support::bool_at;
using support::int_at;
using support::member;

std::map<std::string, std::string> detail::labels_of(const json& labels) {
  std::map<std::string, std::string> out;
  if (!labels.is_object()) return out;
  // A blank moat.* label is one a restored sandbox inherited from its
  // snapshot and had cleared (sandbox_snapshots.cpp): it says nothing.
  for (const auto& [k, v] : labels.items())
    if (v.is_string() && !(k.rfind("moat.", 0) == 0 && v.get_ref<const std::string&>().empty()))
      out[k] = v.get<std::string>();
  return out;
}

namespace {

std::vector<std::string> network_names(const json& settings) {
  std::vector<std::string> out;
  if (!settings.is_object()) return out;
  auto nets = settings.find("Networks");
  if (nets == settings.end() || !nets->is_object()) return out;
  for (const auto& [k, v] : nets->items()) out.push_back(k);
  return out;
}

std::vector<Mount> mounts_of(const json& mounts) {
  std::vector<Mount> out;
  if (!mounts.is_array()) return out;
  for (const auto& m : mounts) {
    Mount mount;
    mount.type = support::string_at(m, "Type");
    mount.source = mount.type == "volume" ? support::string_at(m, "Name") : support::string_at(m, "Source");
    mount.target = support::string_at(m, "Destination");
    mount.read_only = !bool_at(m, "RW", true);
    out.push_back(std::move(mount));
  }
  return out;
}

ResourceLimits limits_of(const json& host_config) {
  ResourceLimits l;
  if (!host_config.is_object()) return l;
  if (auto n = int_at(host_config, "NanoCpus"); n > 0) l.cpus = static_cast<double>(n) / 1e9;
  if (auto m = int_at(host_config, "Memory"); m > 0) l.memory_bytes = m;
  if (auto p = int_at(host_config, "PidsLimit"); p > 0) l.pids = p;
  return l;
}

std::string restart_of(const json& host_config) {
  const json& policy = member(host_config, "RestartPolicy");
  std::string name = support::string_at(policy, "Name");
  if (name.empty() || name == "no") return {};
  if (auto n = int_at(policy, "MaximumRetryCount"); name == "on-failure" && n > 0) name += ":" + std::to_string(n);
  return name;
}

// {"8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": "32768"}, ...]}: from
// NetworkSettings.Ports once running (the ports the engine picked), else
// HostConfig.PortBindings (as asked).
std::vector<PortMapping> ports_of(const json& bindings) {
  std::vector<PortMapping> out;
  if (!bindings.is_object()) return out;
  for (const auto& [key, list] : bindings.items()) {
    if (!list.is_array()) continue;  // exposed, not published
    PortMapping base;
    const auto slash = key.find('/');
    try {
      base.container_port = static_cast<std::uint16_t>(std::stoul(key.substr(0, slash)));
    } catch (const std::exception&) {
      continue;
    }
    if (slash != std::string::npos) base.protocol = key.substr(slash + 1);
    for (const auto& b : list) {
      PortMapping p = base;
      p.host_ip = support::string_at(b, "HostIp");
      const std::string port = support::string_at(b, "HostPort");
      p.host_port = port.empty() ? 0 : static_cast<std::uint16_t>(std::strtoul(port.c_str(), nullptr, 10));
      out.push_back(std::move(p));
    }
  }
  return out;
}

// A list entry's "Ports": [{"IP", "PrivatePort", "PublicPort", "Type"}];
// unpublished ports have no PublicPort.
std::vector<PortMapping> ports_of_list(const json& ports) {
  std::vector<PortMapping> out;
  if (!ports.is_array()) return out;
  for (const auto& p : ports) {
    if (!p.contains("PublicPort")) continue;
    PortMapping m;
    m.container_port = static_cast<std::uint16_t>(int_at(p, "PrivatePort"));
    m.host_port = static_cast<std::uint16_t>(int_at(p, "PublicPort"));
    m.host_ip = support::string_at(p, "IP");
    m.protocol = support::string_at(p, "Type");
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

SandboxInfo DockerRuntime::to_info(const json& inspect) const { return sandbox_info_from_inspect(inspect); }

SandboxInfo sandbox_info_from_inspect(const json& inspect) {
  SandboxInfo info;
  info.name = support::string_at(inspect, "Name");
  if (!info.name.empty() && info.name.front() == '/') info.name.erase(0, 1);
  info.id = support::string_at(inspect, "Id");
  const json& config = member(inspect, "Config");
  info.labels = detail::labels_of(member(config, "Labels"));
  if (auto it = info.labels.find(kRuntimeLabel); it != info.labels.end()) info.runtime = it->second;
  info.engine_runtime = support::string_at(member(inspect, "HostConfig"), "Runtime");
  info.image = support::string_at(config, "Image");
  const json& state = member(inspect, "State");
  info.state = support::string_at(state, "Status");
  info.running = bool_at(state, "Running", false);
  info.mounts = mounts_of(member(inspect, "Mounts"));
  info.networks = network_names(member(inspect, "NetworkSettings"));
  const json& host_config = member(inspect, "HostConfig");
  info.limits = limits_of(host_config);
  info.restart = restart_of(host_config);
  info.ports = ports_of(member(member(inspect, "NetworkSettings"), "Ports"));
  if (info.ports.empty()) info.ports = ports_of(member(host_config, "PortBindings"));
  return info;
}

SandboxInfo sandbox_info_from_list(const json& entry) {
  SandboxInfo info;
  auto names = entry.find("Names");
  if (names != entry.end() && names->is_array() && !names->empty() && names->front().is_string()) {
    info.name = names->front().get<std::string>();
    if (!info.name.empty() && info.name.front() == '/') info.name.erase(0, 1);
  }
  info.id = support::string_at(entry, "Id");
  info.labels = detail::labels_of(member(entry, "Labels"));
  if (auto it = info.labels.find(kRuntimeLabel); it != info.labels.end()) info.runtime = it->second;
  if (auto it = info.labels.find(kEngineRuntimeLabel); it != info.labels.end()) info.engine_runtime = it->second;
  info.image = support::string_at(entry, "Image");
  info.state = support::string_at(entry, "State");
  info.running = info.state == "running";
  info.mounts = mounts_of(member(entry, "Mounts"));
  info.networks = network_names(member(entry, "NetworkSettings"));
  info.ports = ports_of_list(member(entry, "Ports"));
  return info;
}

}  // namespace moat::engine
