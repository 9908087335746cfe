#include <moat/core/run_id.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

namespace moat::core {

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

}  // namespace moat::core
