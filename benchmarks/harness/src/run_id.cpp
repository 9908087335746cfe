#include <moat/harness/run_id.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

namespace moat::harness {

std::string new_run_id() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::random_device rd;
  char out[48];
  std::snprintf(out, sizeof out, "%s-%04x", stamp, static_cast<unsigned>(rd() & 0xffffu));
  return out;
}

std::uint64_t new_seed() {
  std::random_device rd;
  const std::uint64_t hi = rd(), lo = rd();
  return ((hi << 32) | lo) & ((std::uint64_t{1} << 53) - 1);
}

}  // namespace moat::harness
