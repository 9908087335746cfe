// A scenario is a unit of measurement with a name, parameters and the
// metrics it emits. For each runtime the runner asks it to prepare() a unit
// (untimed setup: sandboxes, copies, compiles), then calls the unit's
// sample() once per repetition, interleaved with the other runtimes, then
// destroys it (which removes what it made).
#pragma once

#include <moat/bench/report/metric.hpp>
#include <moat/harness/environment.hpp>
#include <moat/harness/sample_recorder.hpp>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::harness {

// One scenario on one runtime.
class ScenarioUnit {
 public:
  virtual ~ScenarioUnit() = default;
  // One repetition. Records its metrics into `scope` (values or failures)
  // as it goes; whatever it leaves unrecorded the runner records as failed
  // (with the exception's message when it throws).
  virtual void sample(SampleScope& scope) = 0;
  // Removes what prepare() made; called once, also after a failure or an
  // interruption. Must not throw for "already gone".
  virtual void teardown() {}
};

class Scenario {
 public:
  virtual ~Scenario() = default;
  [[nodiscard]] virtual std::string name() const = 0;
  [[nodiscard]] virtual nlohmann::json parameters() const = 0;
  // Every metric the scenario can emit (declared before the first sample).
  [[nodiscard]] virtual std::vector<bench::MetricInfo> metrics() const = 0;
  // Untimed setup for `runtime`. May record unsupported metrics through the
  // environment's recorder. Throws moat::Error: MOAT_E_UNSUPPORTED when the
  // runtime cannot run this scenario at all (recorded as not supported),
  // anything else when setup failed (every sample is then recorded as failed
  // with that reason).
  virtual std::unique_ptr<ScenarioUnit> prepare(Environment& env, const std::string& runtime) = 0;
  // Images the scenario uses (for the manifest's digests).
  [[nodiscard]] virtual std::vector<std::string> images() const = 0;
};

}  // namespace moat::harness
