// What the runner tells its caller while it runs (`moat bench` prints it on
// stderr: a live line on a terminal, one line per event otherwise).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace moat::harness {

struct RecordedValue {
  std::string metric;
  std::string unit;
  double value = 0;
};

// One finished unit of work: one scenario on one runtime in one repetition.
struct SampleReport {
  std::string scenario;
  std::string runtime;
  int repetition = 0;
  bool warmup = false;
  std::size_t done = 0;   // units finished so far in the whole run, this one included
  std::size_t total = 0;  // units the run will do
  std::vector<RecordedValue> values;
  std::size_t failed = 0;   // metrics of this unit recorded as failed
  std::string first_error;  // the first of their reasons
};

class Progress {
 public:
  virtual ~Progress() = default;
  // A scenario starts: its per-runtime setup follows.
  virtual void scenario_begin(const std::string& scenario) {}
  virtual void sample_done(const SampleReport& report) {}
  // A runtime cannot run a scenario (or one metric of it).
  virtual void unsupported(const std::string& runtime, const std::string& scenario, const std::string& metric,
                           const std::string& reason) {}
  // Anything else worth a line: setup steps, setup failures, cleanup.
  virtual void note(const std::string& text) {}
};

}  // namespace moat::harness
