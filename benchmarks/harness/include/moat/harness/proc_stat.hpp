// Host-wide CPU time from /proc/stat: the busy time of all CPUs (user, nice,
// system, irq, softirq, steal; not idle or iowait). The difference between
// two readings is the CPU the whole machine spent in between: the engine
// daemons, shims, the sandbox, moat itself - and anything else running.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

namespace moat::harness {

// Busy CPU time in milliseconds since boot (resolution: one clock tick,
// usually 10 ms); nullopt when the file cannot be read.
std::optional<double> host_busy_cpu_ms(const std::filesystem::path& proc_stat = "/proc/stat");

}  // namespace moat::harness
