// What `moat gc` sweeps through a Docker-backed plugin (ABI 1.1 managed_list
// and managed_remove): every container, volume and network of its engine
// labelled moat.managed=true. Plugins on one engine list the same objects;
// the store ("docker:<socket>") lets the host see them once.
#include <moat/engine/docker_runtime.hpp>
#include <moat/support/json_read.hpp>

#include "runtime_internal.hpp"

namespace moat::engine {

std::vector<ManagedObject> DockerRuntime::list_managed() {
  const std::string store = "docker:unix://" + client_options_.socket_path;
  const LabelFilter managed = {{kManagedLabel, "true"}};
  std::vector<ManagedObject> out;
  for (const auto& c : client_.list_containers(managed, true)) {
    SandboxInfo info = sandbox_info_from_list(c);
    std::string name = info.name.empty() ? info.id.substr(0, 12) : info.name;
    out.push_back({store, "container", std::move(info.id), std::move(name), std::move(info.labels)});
  }
  for (const auto& v : client_.list_volumes(managed)) {
    const std::string name = support::string_at(v, "Name");
    // A snapshot's volumes go with the snapshot, listed below.
    if (detail::labels_of(support::member(v, "Labels")).contains("moat.snapshot")) continue;
    out.push_back({store, "volume", name, name, detail::labels_of(support::member(v, "Labels"))});
  }
  for (const auto& n : client_.list_networks(managed))
    out.push_back({store, "network", support::string_at(n, "Id"), support::string_at(n, "Name"),
                   detail::labels_of(support::member(n, "Labels"))});
  for (const auto& snapshot : list_snapshots())
    out.push_back({store, "snapshot", snapshot.id, snapshot.name, {{kManagedLabel, "true"}}});
  return out;
}

void DockerRuntime::remove_managed(const ManagedObject& object) {
  if (object.kind == "container") {
    client_.remove_container(object.id, true, true);  // with its anonymous volumes
  } else if (object.kind == "volume") {
    client_.remove_volume(object.id, true);
  } else if (object.kind == "network") {
    client_.remove_network(object.id);
  } else if (object.kind == "snapshot") {
    remove_snapshot(object.name);
  } else {
    detail::invalid("managed_remove: kind must be container, volume, network or snapshot, not '" + object.kind + "'");
  }
}

}  // namespace moat::engine
