// The seed of a run's randomised order (recorded in the manifest, so a run
// can be repeated in the same order).
#pragma once

#include <cstdint>

namespace moat::harness {

// A random seed below 2^53 (so JSON readers keep it exact).
std::uint64_t new_seed();

}  // namespace moat::harness
