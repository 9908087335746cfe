// Boot time: create + start + the first exec round trip (the sandbox is
// ready when it runs a command), a few times; the median decides. Removal
// is not timed. The runner runs these one column at a time, after the other
// probes, so the engine is not busy with another column meanwhile.
#include <moat/matrix/checks.hpp>
#include <moat/matrix/evidence_recorder.hpp>
#include <moat/matrix/requirements.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace moat::matrix {

using json = nlohmann::json;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000);
  return buf;
}

}  // namespace

void check_boot_time(CheckContext& ctx, Cell& cell, int samples) {
  EvidenceRecorder rec(ctx, cell);
  std::vector<double> ok;
  json all = json::array();
  std::string last_error;
  for (int i = 0; i < samples; ++i) {
    const std::string name = ctx.name("boot");
    SandboxLease lease(rec, name);
    const auto t0 = std::chrono::steady_clock::now();
    try {
      rec.create(ctx.spec(name, "boot-time"), true);
      ExecResult r = rec.exec(name, {"true"}, 30);
      if (r.exit_code != 0)
        throw moat::Error(MOAT_E_FAILED, "the first exec (true) exited " + std::to_string(r.exit_code));
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      ok.push_back(ms);
      all.push_back(std::round(ms * 10) / 10);
    } catch (const CheckTimeout&) {
      throw;
    } catch (const moat::Error& e) {
      last_error = e.what();
      all.push_back(nullptr);
    }
  }
  cell.facts["samples_ms"] = all;
  cell.facts["method"] = "create + start + first exec (true), wall clock; removal not timed";
  cell.facts["source"] = "live";
  if (ok.empty()) {
    rec.decide(Verdict::no, "no sandbox booted (" + std::to_string(samples) + " tries): " + last_error);
    return;
  }
  const double m = median(ok);
  cell.value_ms = m;
  cell.facts["median_ms"] = std::round(m * 10) / 10;
  cell.facts["n"] = ok.size();
  std::string text = seconds(m) + " (median of " + std::to_string(ok.size()) + ": create + start + first exec)";
  if (ok.size() < static_cast<std::size_t>(samples))
    text += "; " + std::to_string(samples - static_cast<int>(ok.size())) + " of " + std::to_string(samples) +
            " failed: " + last_error;
  // Some boots failing makes a fast runtime only partly good.
  Verdict v = boot_verdict(m);
  if (ok.size() < static_cast<std::size_t>(samples) && v == Verdict::yes) v = Verdict::partial;
  rec.decide(v, text);
}

}  // namespace moat::matrix
