// What `moat gc` sweeps through a Docker-backed plugin (ABI 1.1 managed_list
// and managed_remove): every container, volume and network of its engine
// labelled moat.managed=true. Plugins on one engine list the same objects;
// the store ("docker:<socket>") lets the host see them once.
#include <moat/engine/docker_runtime.hpp>
#include <moat/support/json_read.hpp>

#include "runtime_internal.hpp"

#include <set>

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
  // Snapshots, whichever plugin took them: one object each, whose volumes
  // go with it. A volume of a snapshot whose image is gone is a plain
  // volume again, so it is not kept for ever.
  std::set<std::string> snapshots;
  for (const auto& image : client_.list_images(managed)) {
    auto labels = detail::labels_of(support::member(image, "Labels"));
    const auto snapshot = labels.find(kSnapshotLabel);
    if (snapshot == labels.end()) continue;
    std::string name = snapshot->second;
    snapshots.insert(name);
    out.push_back({store, "snapshot", support::string_at(image, "Id"), std::move(name), std::move(labels)});
  }
  for (const auto& v : client_.list_volumes(managed)) {
    const std::string name = support::string_at(v, "Name");
    auto labels = detail::labels_of(support::member(v, "Labels"));
    if (auto of = labels.find(kSnapshotLabel); of != labels.end() && snapshots.contains(of->second)) continue;
    out.push_back({store, "volume", name, name, std::move(labels)});
  }
  for (const auto& n : client_.list_networks(managed))
    out.push_back({store, "network", support::string_at(n, "Id"), support::string_at(n, "Name"),
                   detail::labels_of(support::member(n, "Labels"))});
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
    // By id: a snapshot image that lost its tag is swept too. The engine
    // refuses (409) while a restored sandbox runs on it.
    client_.remove_image(object.id, false);
    for (const auto& v : client_.list_volumes({{kManagedLabel, "true"}, {kSnapshotLabel, object.name}}))
      client_.remove_volume(support::string_at(v, "Name"), true);
  } else {
    detail::invalid("managed_remove: kind must be container, volume, network or snapshot, not '" + object.kind + "'");
  }
}

}  // namespace moat::engine
