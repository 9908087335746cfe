// The host's accounting of one engine container, read from its cgroup:
// CPU time (cgroup v1 cpuacct.usage, v2 cpu.stat usage_usec) and memory
// (v1 memory.usage_in_bytes and memory.stat total_rss, v2 memory.current and
// memory.stat anon). Covers every process in the container's cgroup - for
// gVisor the Sentry and the sandboxed application; not dockerd, containerd or
// the shim, which run in the engine's own cgroups.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace moat::harness {

struct CgroupMemory {
  std::uint64_t usage_bytes = 0;  // everything charged, page cache included
  std::uint64_t rss_bytes = 0;    // anonymous memory only
};

class ContainerCgroup {
 public:
  // `root` is the cgroup mount point; tests pass a fake tree.
  explicit ContainerCgroup(std::string container_id, std::filesystem::path root = "/sys/fs/cgroup");

  // nullopt when no cgroup of this container is found (or it is gone).
  [[nodiscard]] std::optional<std::uint64_t> cpu_usage_ns() const;
  [[nodiscard]] std::optional<CgroupMemory> memory() const;

  // Where it looked (for error messages).
  [[nodiscard]] std::string searched() const;

 private:
  std::string id_;
  std::filesystem::path root_;
};

}  // namespace moat::harness
