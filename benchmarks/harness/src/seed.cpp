#include <moat/harness/seed.hpp>

#include <random>

namespace moat::harness {

std::uint64_t new_seed() {
  std::random_device rd;
  const std::uint64_t hi = rd(), lo = rd();
  return ((hi << 32) | lo) & ((std::uint64_t{1} << 53) - 1);
}

}  // namespace moat::harness
