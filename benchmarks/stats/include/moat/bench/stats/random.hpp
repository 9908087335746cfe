// Seeded randomness whose stream is the same with every standard library.
// std::mt19937_64's output sequence is fixed by the C++ standard, but
// std::uniform_int_distribution and std::shuffle are not, so a bootstrap CI
// computed with them would change between libstdc++ and libc++. Everything
// random in moat's statistics goes through this class.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::bench::stats {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t next() { return engine_(); }

  // Uniform integer in [0, n), n > 0, without modulo bias (rejection sampling).
  std::size_t below(std::size_t n);

  // Fisher-Yates, defined here so the permutation order is portable.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      std::size_t j = below(i);
      using std::swap;
      swap(v[i - 1], v[j]);
    }
  }

 private:
  std::mt19937_64 engine_;
};

// A seed for one named stream (e.g. "gvisor|boot|start") derived from the run's
// seed, so each metric's CI is reproducible on its own and independent of the
// order in which metrics are analysed. splitmix64(seed ^ fnv1a64(key)).
std::uint64_t derive_seed(std::uint64_t seed, std::string_view key);

}  // namespace moat::bench::stats
