// What `moat gc` sweeps through a Docker-backed plugin (ABI 1.1 managed_list
// and managed_remove): every container, volume and network of its engine
// labelled moat.managed=true. Plugins on one engine list the same objects;
// the store ("docker:<socket>") lets the host see them once.
#include <moat/engine/docker_runtime.hpp>
#include <moat/support/json_read.hpp>

#include "runtime_internal.hpp"

namespace moat::engine {

namespace {

std::map<std::string, std::string> labels_of(const nlohmann::json& entry) {
  std::map<std::string, std::string> out;
  const auto& labels = support::member(entry, "Labels");
  if (!labels.is_object()) return out;
  for (const auto& [k, v] : labels.items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

std::string container_name(const nlohmann::json& entry) {
  const auto& names = support::member(entry, "Names");
  if (!names.is_array() || names.empty() || !names.front().is_string())
    return support::string_at(entry, "Id").substr(0, 12);
  const std::string n = names.front().get<std::string>();
  return n.starts_with('/') ? n.substr(1) : n;
}

}  // namespace

std::vector<ManagedObject> DockerRuntime::list_managed() {
  const std::string store = "docker:unix://" + client_options_.socket_path;
  const LabelFilter managed = {{kManagedLabel, "true"}};
  std::vector<ManagedObject> out;
  for (const auto& c : client_.list_containers(managed, true))
    out.push_back({store, "container", support::string_at(c, "Id"), container_name(c), labels_of(c)});
  for (const auto& v : client_.list_volumes(managed)) {
    const std::string name = support::string_at(v, "Name");
    out.push_back({store, "volume", name, name, labels_of(v)});
  }
  for (const auto& n : client_.list_networks(managed))
    out.push_back({store, "network", support::string_at(n, "Id"), support::string_at(n, "Name"), labels_of(n)});
  return out;
}

void DockerRuntime::remove_managed(const ManagedObject& object) {
  if (object.kind == "container") {
    client_.remove_container(object.id, true, true);  // with its anonymous volumes
  } else if (object.kind == "volume") {
    client_.remove_volume(object.id, true);
  } else if (object.kind == "network") {
    client_.remove_network(object.id);
  } else {
    detail::invalid("managed_remove: kind must be container, volume or network, not '" + object.kind + "'");
  }
}

}  // namespace moat::engine
