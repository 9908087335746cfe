#include <moat/bench/stats/random.hpp>

#include <moat/error.hpp>

#include <limits>

namespace moat::bench::stats {

std::size_t Rng::below(std::size_t n) {
  if (n == 0) throw moat::Error(MOAT_E_INVALID, "Rng::below(0)");
  const std::uint64_t bound = n;
  // Values below `threshold` would make some residues one more likely than
  // others; (2^64 - bound) % bound of them are rejected.
  const std::uint64_t threshold = (std::numeric_limits<std::uint64_t>::max() - bound + 1) % bound;
  for (;;) {
    const std::uint64_t r = engine_();
    if (r >= threshold) return static_cast<std::size_t>(r % bound);
  }
}

std::uint64_t derive_seed(std::uint64_t seed, std::string_view key) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64-bit offset basis
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV prime
  }
  std::uint64_t z = seed ^ h;
  // splitmix64 finaliser (Steele, Lea & Flood 2014): spreads nearby seeds apart.
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace moat::bench::stats
