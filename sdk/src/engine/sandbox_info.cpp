// The engine's container JSON (inspect and list entries) as SandboxInfo.
#include <moat/engine/docker_runtime.hpp>

#include "runtime_internal.hpp"

#include <moat/support/json_read.hpp>

namespace moat::engine {

using json = nlohmann::json;
using support::bool_at;
using support::member;

std::map<std::string, std::string> detail::labels_of(const json& labels) {
  std::map<std::string, std::string> out;
  if (!labels.is_object()) return out;
  for (const auto& [k, v] : labels.items())
    if (v.is_string()) out[k] = v.get<std::string>();
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
  return info;
}

}  // namespace moat::engine
