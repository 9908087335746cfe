// Fills the manifest's HostInfo from the running system, so every results
// file says where it was measured: uname, /etc/os-release, /proc/cpuinfo,
// /proc/meminfo, the filesystem of the workdir (from /proc/self/mountinfo)
// and, in `extra`, what else moves benchmark numbers: CPU frequency governor,
// SMT, cgroup version, /dev/kvm and nested virtualization.
#pragma once

#include <moat/bench/report/results.hpp>

#include <filesystem>

namespace moat::bench {

// Never throws for a missing /proc or /sys entry (that field stays empty);
// throws moat::Error (not-found) when `workdir` does not exist.
HostInfo collect_host_info(const std::filesystem::path& workdir);

}  // namespace moat::bench
