// The sandbox service's snapshots (ABI 1.1): taken through the sandbox's
// owner, found among every runtime's, and restored through the same checks,
// rollback and journal as a create.
#include <moat/core/sandbox_service.hpp>
#include <moat/support/spec_checks.hpp>

#include <algorithm>

namespace moat::core {

SnapshotInfo SandboxService::snapshot(const std::string& name, const std::string& snapshot) {
  support::check_object_name(snapshot, "snapshot", "snapshot");
  return owner(name).snapshot(name, snapshot);
}

std::vector<SnapshotInfo> SandboxService::list_snapshots() {
  std::vector<SnapshotInfo> out;
  on_each_runtime("snapshot_list", [&](RuntimeHandle& h) {
    for (auto& s : h.list_snapshots()) out.push_back(std::move(s));
  });
  std::sort(out.begin(), out.end(), [](const SnapshotInfo& a, const SnapshotInfo& b) { return a.name < b.name; });
  return out;
}

SnapshotInfo SandboxService::find_snapshot(const std::string& name) {
  support::check_object_name(name, "snapshot", "snapshot");
  for (auto& s : list_snapshots())
    if (s.name == name) return s;
  throw moat::Error(MOAT_E_NOT_FOUND, "no snapshot named '" + name + "' ('moat snapshot ls' lists them)");
}

SandboxInfo SandboxService::restore(const std::string& snapshot, SandboxSpec spec, bool start) {
  const SnapshotInfo found = find_snapshot(snapshot);
  if (!spec.image.empty())
    throw moat::Error(MOAT_E_INVALID, "image: a restored sandbox runs its snapshot's filesystem; give no image");
  spec.image = found.image;
  if (spec.runtime.empty()) spec.runtime = found.runtime;
  // What the snapshot's filesystem needs to work as it did: its inner
  // dockerd started, its user's home where it was.
  if (found.dind) spec.dind = true;
  if (spec.user.empty()) spec.user = found.user;
  return make(std::move(spec), start, [&](RuntimeHandle& handle, const SandboxSpec& s) {
    return handle.restore(RestoreRequest{snapshot, s});
  });
}

void SandboxService::remove_snapshot(const std::string& name) {
  runtime(find_snapshot(name).runtime).remove_snapshot(name);
}

}  // namespace moat::core
