#include <moat/harness/proc_stat.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace moat::harness {

std::optional<double> host_busy_cpu_ms(const std::filesystem::path& proc_stat) {
  std::ifstream in(proc_stat);
  std::string line;
  if (!std::getline(in, line) || line.rfind("cpu ", 0) != 0) return std::nullopt;
  std::istringstream fields(line.substr(4));
  // user nice system idle iowait irq softirq steal (guest and guest_nice are
  // already included in user and nice).
  unsigned long long v[8] = {};
  for (auto& x : v)
    if (!(fields >> x)) return std::nullopt;
  const unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  const long ticks = ::sysconf(_SC_CLK_TCK);
  if (ticks <= 0) return std::nullopt;
  return static_cast<double>(busy) * 1000.0 / static_cast<double>(ticks);
}

}  // namespace moat::harness
