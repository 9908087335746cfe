#include <moat/bench/report/results.hpp>

namespace moat::bench {

const MetricInfo* Results::find_metric(const std::string& scenario, const std::string& metric) const {
  for (const MetricInfo& m : metrics) {
    if (m.scenario == scenario && m.metric == metric) return &m;
  }
  return nullptr;
}

}  // namespace moat::bench
