#include <moat/bench/report/metric.hpp>

#include <moat/error.hpp>

namespace moat::bench {

std::string_view to_string(Direction d) noexcept { return d == Direction::higher_is_better ? "higher" : "lower"; }

Direction parse_direction(std::string_view s) {
  if (s == "lower") return Direction::lower_is_better;
  if (s == "higher") return Direction::higher_is_better;
  throw moat::Error(MOAT_E_INVALID, "metric direction must be \"lower\" or \"higher\", not \"" + std::string(s) + "\"");
}

}  // namespace moat::bench
