// What a metric is: its name within a scenario, its unit, and which way is
// better. Declared once per (scenario, metric) before its first sample.
#pragma once

#include <string>
#include <string_view>

namespace moat::bench {

enum class Direction {
  lower_is_better,   // times, memory, CPU
  higher_is_better,  // bandwidth, IOPS, operations per second
};

// "lower" / "higher": the spelling in results files.
std::string_view to_string(Direction d) noexcept;
// Throws moat::Error (invalid) on anything but "lower" or "higher".
Direction parse_direction(std::string_view s);

struct MetricInfo {
  std::string scenario;  // "boot", "build", "io", "cpu", "density", ...
  std::string metric;    // unique within the scenario, e.g. "start" or "randread-4k.rootfs.iops"
  std::string unit;      // "ms", "s", "MiB/s", "IOPS", "MiB", "bytes", ...
  Direction direction = Direction::lower_is_better;
  std::string description;  // one line: what is timed, between which two events
};

}  // namespace moat::bench
