#include <moat/harness/cgroup.hpp>

#include <fstream>
#include <sstream>
#include <vector>

namespace moat::harness {
namespace fs = std::filesystem;
namespace {

std::optional<std::uint64_t> read_number(const fs::path& file) {
  std::ifstream in(file);
  std::uint64_t v = 0;
  if (in >> v) return v;
  return std::nullopt;
}

// "key value" lines (memory.stat, cpu.stat).
std::optional<std::uint64_t> read_key(const fs::path& file, const std::string& key) {
  std::ifstream in(file);
  std::string k;
  std::uint64_t v = 0;
  while (in >> k >> v)
    if (k == key) return v;
  return std::nullopt;
}

// Where Docker puts a container's cgroup: the cgroupfs driver uses
// <controller>/docker/<id>, the systemd driver
// <controller>/system.slice/docker-<id>.scope; cgroup v2 has no controller level.
std::vector<fs::path> candidates(const fs::path& root, const std::vector<std::string>& controllers,
                                 const std::string& id) {
  std::vector<fs::path> out;
  for (const auto& c : controllers) {
    const fs::path base = c.empty() ? root : root / c;
    out.push_back(base / "docker" / id);
    out.push_back(base / "system.slice" / ("docker-" + id + ".scope"));
  }
  return out;
}

}  // namespace

ContainerCgroup::ContainerCgroup(std::string container_id, fs::path root)
    : id_(std::move(container_id)), root_(std::move(root)) {}

std::optional<std::uint64_t> ContainerCgroup::cpu_usage_ns() const {
  if (id_.empty()) return std::nullopt;
  for (const auto& dir : candidates(root_, {"cpuacct", "cpu,cpuacct", "cpuacct,cpu"}, id_))
    if (auto v = read_number(dir / "cpuacct.usage")) return v;
  for (const auto& dir : candidates(root_, {""}, id_))
    if (auto v = read_key(dir / "cpu.stat", "usage_usec")) return *v * 1000;
  return std::nullopt;
}

std::optional<CgroupMemory> ContainerCgroup::memory() const {
  if (id_.empty()) return std::nullopt;
  for (const auto& dir : candidates(root_, {"memory"}, id_)) {
    auto usage = read_number(dir / "memory.usage_in_bytes");
    if (!usage) continue;
    CgroupMemory m;
    m.usage_bytes = *usage;
    m.rss_bytes = read_key(dir / "memory.stat", "total_rss").value_or(read_key(dir / "memory.stat", "rss").value_or(0));
    return m;
  }
  for (const auto& dir : candidates(root_, {""}, id_)) {
    auto usage = read_number(dir / "memory.current");
    if (!usage) continue;
    CgroupMemory m;
    m.usage_bytes = *usage;
    m.rss_bytes = read_key(dir / "memory.stat", "anon").value_or(0);
    return m;
  }
  return std::nullopt;
}

std::string ContainerCgroup::searched() const {
  return (root_ / "{cpuacct,memory,}" / "{docker/<id>,system.slice/docker-<id>.scope}").string() + " with id " +
         id_.substr(0, 12);
}

}  // namespace moat::harness
