// Facts about this host that the matrix needs: what runtimes require of it
// (kernel, cgroups, ID-mapped mounts, KVM, nested virtualization) and the
// reference points the isolation probe compares a sandbox's view with
// (kernel release, a host process, the host's /dev).
#pragma once

#include <moat/engine/docker_client.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace moat::matrix {

// Gathers the facts as JSON (see docs/matrix.md, "host"). `workdir` is where
// the probes' host directories live (its filesystem decides ID-mapped mounts).
// Never throws: an unreadable fact is recorded as such.
nlohmann::json gather_host_facts(engine::DockerClient* engine, const std::filesystem::path& workdir);

// The kernel version from which `filesystem` supports ID-mapped mounts;
// nullopt when it does not (or moat does not know).
std::optional<std::pair<int, int>> idmap_min_kernel(const std::string& filesystem);

// statfs(2) f_type as a name ("ext4", "xfs", "tmpfs", "overlay", "btrfs", ...).
std::string filesystem_type(const std::filesystem::path& path);


}  // namespace moat::matrix
