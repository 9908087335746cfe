#include <moat/harness/sample_recorder.hpp>

#include <moat/error.hpp>

#include <algorithm>

namespace moat::harness {

// ---- SampleScope ---------------------------------------------------------------

SampleScope::SampleScope(SampleRecorder& recorder, std::string runtime, std::string scenario, int repetition, bool warmup)
    : recorder_(recorder),
      runtime_(std::move(runtime)),
      scenario_(std::move(scenario)),
      repetition_(repetition),
      warmup_(warmup) {}

bool SampleScope::claim(const std::string& metric) {
  (void)recorder_.metric(scenario_, metric);  // throws for an undeclared metric
  if (recorder_.is_unsupported(runtime_, scenario_, metric)) return false;
  if (!done_.insert(metric).second)
    throw moat::Error(MOAT_E_INTERNAL,
                      "scenario " + scenario_ + " recorded metric '" + metric + "' twice in one sample");
  return true;
}

void SampleScope::value(const std::string& metric, double v) {
  if (!claim(metric)) return;
  recorder_.write_value(*this, metric, v);
  values_.push_back({metric, recorder_.metric(scenario_, metric).unit, v});
}

void SampleScope::failure(const std::string& metric, const std::string& reason) {
  if (!claim(metric)) return;
  const std::string why = reason.empty() ? "failed without a reason (a harness bug)" : reason;
  recorder_.write_failure(*this, metric, why);
  ++failed_;
  if (first_error_.empty()) first_error_ = why;
}

std::vector<std::string> SampleScope::remaining() const {
  std::vector<std::string> out;
  for (const auto& m : recorder_.metrics_of(scenario_))
    if (!done_.contains(m.metric) && !recorder_.is_unsupported(runtime_, scenario_, m.metric)) out.push_back(m.metric);
  return out;
}

void SampleScope::fail_remaining(const std::string& reason) {
  for (const auto& metric : remaining()) failure(metric, reason);
}

// ---- SampleRecorder ------------------------------------------------------------------

SampleRecorder::SampleRecorder(bench::ResultsWriter& writer, Progress* progress) : writer_(writer), progress_(progress) {}

void SampleRecorder::declare(const std::vector<bench::MetricInfo>& metrics) {
  std::lock_guard lock(mutex_);
  for (const auto& m : metrics) {
    writer_.declare_metric(m);
    const bool known = std::any_of(metrics_.begin(), metrics_.end(), [&](const bench::MetricInfo& x) {
      return x.scenario == m.scenario && x.metric == m.metric;
    });
    if (!known) metrics_.push_back(m);
  }
}

std::vector<bench::MetricInfo> SampleRecorder::metrics_of(const std::string& scenario) const {
  std::lock_guard lock(mutex_);
  std::vector<bench::MetricInfo> out;
  for (const auto& m : metrics_)
    if (m.scenario == scenario) out.push_back(m);
  return out;
}

bench::MetricInfo SampleRecorder::metric(const std::string& scenario, const std::string& metric) const {
  std::lock_guard lock(mutex_);
  for (const auto& m : metrics_)
    if (m.scenario == scenario && m.metric == metric) return m;
  throw moat::Error(MOAT_E_INTERNAL, "metric " + scenario + "/" + metric + " was never declared");
}

void SampleRecorder::unsupported(const std::string& runtime, const std::string& scenario, const std::string& metric,
                           const std::string& reason) {
  {
    std::lock_guard lock(mutex_);
    if (!unsupported_.emplace(runtime, scenario, metric).second) return;
    writer_.record_unsupported({runtime, scenario, metric, reason});
  }
  if (progress_) progress_->unsupported(runtime, scenario, metric, reason);
}

bool SampleRecorder::is_unsupported(const std::string& runtime, const std::string& scenario,
                              const std::string& metric) const {
  std::lock_guard lock(mutex_);
  return unsupported_.contains({runtime, scenario, std::string()}) ||
         unsupported_.contains({runtime, scenario, metric});
}

std::size_t SampleRecorder::samples() const {
  std::lock_guard lock(mutex_);
  return samples_;
}

std::size_t SampleRecorder::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

std::size_t SampleRecorder::unsupported_count() const {
  std::lock_guard lock(mutex_);
  return unsupported_.size();
}

void SampleRecorder::write_value(const SampleScope& s, const std::string& metric, double v) {
  writer_.record_value(s.runtime(), s.scenario(), metric, s.repetition(), v, s.warmup());
  std::lock_guard lock(mutex_);
  ++samples_;
}

void SampleRecorder::write_failure(const SampleScope& s, const std::string& metric, const std::string& reason) {
  writer_.record_failure(s.runtime(), s.scenario(), metric, s.repetition(), reason, s.warmup());
  std::lock_guard lock(mutex_);
  ++samples_;
  ++failures_;
}

}  // namespace moat::harness
