// Run ids and seeds.
#pragma once

#include <cstdint>
#include <string>

namespace moat::harness {

// "YYYYMMDD-HHMMSS-xxxx" (UTC, 4 random hex digits): sorts by time, and is a
// valid label value and sandbox-name part.
std::string new_run_id();

// A random seed below 2^53 (so JSON readers keep it exact).
std::uint64_t new_seed();

}  // namespace moat::harness
