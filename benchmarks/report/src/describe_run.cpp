#include "describe_run.hpp"

#include "format.hpp"

#include <algorithm>
#include <cstdio>

namespace moat::bench::detail {

std::string gib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

std::string run_line(const Analysis& a) {
  const Manifest& m = a.manifest;
  std::string s = "run " + m.run_id;
  if (!m.profile.empty()) s += " · profile " + m.profile;
  if (!m.moat_version.empty()) s += " · moat " + m.moat_version;
  s += " · " + m.started + " → " + (m.finished.empty() ? std::string("(did not finish)") : m.finished);
  return s;
}

std::string host_line(const Manifest& m) {
  const HostInfo& h = m.host;
  std::vector<std::string> parts;
  if (!h.hostname.empty()) parts.push_back(h.hostname);
  if (!h.os.empty()) parts.push_back(h.os);
  if (!h.kernel.empty()) parts.push_back("kernel " + h.kernel);
  if (!h.cpu_model.empty()) parts.push_back(h.cpu_model);
  if (h.cores > 0) parts.push_back(std::to_string(h.cores) + " cores");
  if (h.memory_bytes > 0) parts.push_back(gib(h.memory_bytes));
  if (!h.workdir.empty() || !h.workdir_filesystem.empty()) {
    parts.push_back("workdir " + h.workdir + (h.workdir_filesystem.empty() ? "" : " (" + h.workdir_filesystem + ")"));
  }
  std::string s = "host: ";
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? " · " : "") + parts[i];
  if (parts.empty()) s += "(not recorded)";
  return s;
}

std::string engine_line(const Manifest& m) {
  if (m.engine.name.empty() && m.engine.version.empty()) return "engine: (not recorded)";
  std::string s = "engine: " + (m.engine.name.empty() ? std::string("engine") : m.engine.name);
  if (!m.engine.version.empty()) s += " " + m.engine.version;
  if (!m.engine.api.empty()) s += " (API " + m.engine.api + ")";
  return s;
}

std::vector<std::string> runtime_lines(const Manifest& m) {
  std::vector<std::string> out;
  for (const auto& [id, r] : m.runtimes) {
    std::string s = id;
    if (!r.version.empty()) s += " " + r.version;
    std::vector<std::string> details;
    if (!r.engine_runtime.empty()) details.push_back("engine runtime " + r.engine_runtime);
    if (!r.args.empty()) {
      std::string args = "args:";
      for (const std::string& arg : r.args) args += " " + arg;
      details.push_back(args);
    }
    if (!details.empty()) {
      s += " (";
      for (std::size_t i = 0; i < details.size(); ++i) s += (i ? ", " : "") + details[i];
      s += ")";
    }
    out.push_back(s);
  }
  return out;
}

std::vector<std::string> method_lines(const Analysis& a) {
  std::size_t n_min = SIZE_MAX, n_max = 0, w_min = SIZE_MAX, w_max = 0;
  for (const MetricSummary& s : a.summaries) {
    n_min = std::min(n_min, s.n_ok);
    n_max = std::max(n_max, s.n_ok);
    w_min = std::min(w_min, s.n_warmup);
    w_max = std::max(w_max, s.n_warmup);
  }
  auto range = [](std::size_t lo, std::size_t hi) {
    return lo == hi ? std::to_string(lo) : std::to_string(lo) + "–" + std::to_string(hi);
  };
  std::vector<std::string> out;
  if (!a.summaries.empty()) {
    out.push_back("n = " + range(n_min, n_max) + " successful measured runs per row; " + range(w_min, w_max) +
                  " warm-up runs per row excluded");
  }
  out.push_back("median and p95: type-7 (linear interpolation) quantiles; CoV = sample stddev / mean");
  out.push_back("outliers: modified z-score |0.6745 (x - median) / MAD| > " + param(a.options.outlier_z) +
                " (flagged, not removed)");
  out.push_back("CI: " + param_percent(a.options.confidence) +
                " percentile bootstrap, B = " + std::to_string(a.options.bootstrap_resamples) + ", seed " +
                std::to_string(a.seed) + "; ratio = median / baseline median");
  std::string baselines = "baselines:";
  for (const std::string& sc : a.scenarios()) baselines += " " + sc + " → " + a.baseline_for(sc) + ";";
  if (baselines.back() == ';') baselines.pop_back();
  out.push_back(baselines);
  out.push_back("noisy: CoV > " + param_percent(a.options.noisy_cov) + " (or n < 2); noisy rows are not ranked");
  return out;
}

std::string errors_text(const MetricSummary& s) {
  const std::size_t measured = s.n_ok + s.n_failed;
  if (s.n_failed == 0) return "0";
  return std::to_string(s.n_failed) + "/" + std::to_string(measured) + " (" + percent(s.error_rate) + ")";
}

std::string flags_text(const MetricSummary& s) {
  std::vector<std::string> f;
  if (!s.stats) {
    f.push_back("no data");
  } else if (s.noisy) {
    f.push_back(s.n_ok < 2 ? "noisy (n<2)" : "noisy");
  }
  if (s.stats && !s.stats->outliers.empty()) {
    f.push_back(std::to_string(s.stats->outliers.size()) + (s.stats->outliers.size() == 1 ? " outlier" : " outliers"));
  }
  std::string out;
  for (std::size_t i = 0; i < f.size(); ++i) out += (i ? ", " : "") + f[i];
  return out;
}

std::string ratio_cell(const MetricSummary& s) {
  if (s.is_baseline) return "baseline";
  if (s.ratio) return ratio_text(*s.ratio);
  return "—";
}

}  // namespace moat::bench::detail
