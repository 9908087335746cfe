// Input checks shared by the statistics functions (internal).
#pragma once

#include <moat/error.hpp>

#include <cmath>
#include <span>
#include <string>

namespace moat::bench::stats::detail {

inline void require_sample(std::span<const double> sample, const char* what) {
  if (sample.empty()) throw moat::Error(MOAT_E_INVALID, std::string(what) + ": the sample is empty");
  for (double v : sample) {
    if (!std::isfinite(v))
      throw moat::Error(MOAT_E_INVALID, std::string(what) + ": the sample holds a non-finite value");
  }
}

}  // namespace moat::bench::stats::detail
