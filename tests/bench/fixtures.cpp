#include "fixtures.hpp"

#include <moat/bench/report/timestamp.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <stdlib.h>

namespace moat::bench::testing {

double normal(stats::Rng& rng) {
  // Uniforms in (0, 1]: 53 random bits, shifted so log() never sees 0.
  const double u1 = (static_cast<double>(rng.next() >> 11) + 1.0) * 0x1.0p-53;
  const double u2 = static_cast<double>(rng.next() >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

std::vector<double> lognormal_sample(stats::Rng& rng, std::size_t n, double median, double sigma) {
  std::vector<double> v(n);
  for (double& x : v) x = median * std::exp(sigma * normal(rng));
  return v;
}

Manifest test_manifest(const std::string& run_id) {
  Manifest m;
  m.moat_version = "0.1.0";
  m.run_id = run_id;
  m.started = "2024-05-01T10:00:00.000000Z";
  m.seed = 42;
  m.profile = "quick";
  m.parameters = {{"repetitions", 15}, {"warmup", 2}, {"suites", {"boot", "io", "cpu", "build"}}};
  m.host = HostInfo{"bench-host",
                    "6.1.0-21-amd64",
                    "Debian GNU/Linux 12 (bookworm)",
                    "Intel(R) Xeon(R) CPU @ 2.20GHz",
                    2,
                    25769803776ULL,
                    "/var/lib/moat/work",
                    "ext4",
                    nlohmann::json{{"governor", "performance"}}};
  m.engine = EngineInfo{"docker", "20.10.24", "1.41"};
  m.runtimes["runc"] = RuntimeInfo{"runc", "1.1.5", "runc", {}, nlohmann::json::object()};
  m.runtimes["gvisor"] =
      RuntimeInfo{"gvisor", "release-20221212.0", "runsc-nonet", {"--network=none"}, {{"platform", "systrap"}}};
  m.runtimes["host"] = RuntimeInfo{"host", "6.1.0", "", {}, nlohmann::json::object()};
  m.images["moat/bench:1"] = "sha256:5f2c0e7b9c2d41a8e0f35f1c2b4f0d1e8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a";
  return m;
}

Results synthetic_results(std::uint64_t seed, double gvisor_boot_scale, int measured, int warmup) {
  stats::Rng rng(seed);
  Results r;
  r.manifest = test_manifest();
  r.manifest.seed = seed;
  const std::vector<std::pair<std::string, double>> phases = {{"create", 16}, {"start", 280}, {"ready", 35},
                                                              {"exec", 58},   {"stop", 115},  {"remove", 11}};
  for (const auto& [p, _] : phases) {
    r.metrics.push_back({"boot", p, "ms", Direction::lower_is_better, "phase " + p + " of one sandbox lifecycle"});
  }
  r.metrics.push_back({"boot", "total", "ms", Direction::lower_is_better, "create to remove"});
  r.metrics.push_back({"io", "seqread-1m.rootfs.bw", "MiB/s", Direction::higher_is_better, "fio sequential read"});
  r.metrics.push_back({"cpu", "compute", "s", Direction::lower_is_better, "fixed compute workload"});

  int clock = 0;
  auto stamp = [&clock]() {
    const auto tp = std::chrono::system_clock::time_point(std::chrono::seconds(1714557600 + clock++));
    return format_rfc3339(tp);
  };
  auto add = [&](const std::string& runtime, const std::string& scenario, const std::string& metric,
                 const std::string& unit, int rep, bool wu, double v) {
    r.samples.push_back(Sample{runtime, scenario, metric, unit, rep, wu, v, true, "", stamp()});
  };

  for (const std::string rt : {"runc", "gvisor"}) {
    const double scale = rt == std::string("gvisor") ? 1.6 * gvisor_boot_scale : 1.0;
    for (int i = 0; i < warmup + measured; ++i) {
      const bool wu = i < warmup;
      const int rep = wu ? i : i - warmup;
      double total = 0;
      bool failed = false;
      for (const auto& [p, med] : phases) {
        const double v = med * scale * std::exp(0.04 * normal(rng)) * (wu ? 1.3 : 1.0);
        if (rt == std::string("gvisor") && p == "start" && !wu && (rep == 4 || rep == 9)) {
          r.samples.push_back(
              Sample{rt, "boot", p, "ms", rep, wu, std::nullopt, false, "sandbox did not start within 30 s", stamp()});
          failed = true;
          continue;
        }
        add(rt, "boot", p, "ms", rep, wu, v);
        total += v;
      }
      if (failed) {
        r.samples.push_back(Sample{rt, "boot", "total", "ms", rep, wu, std::nullopt, false, "a phase failed", stamp()});
      } else {
        add(rt, "boot", "total", "ms", rep, wu, total);
      }
    }
  }
  const std::vector<std::pair<std::string, double>> bw = {{"host", 1800}, {"runc", 1750}, {"gvisor", 950}};
  for (const auto& [rt, med] : bw) {
    for (int i = 0; i < warmup + measured; ++i) {
      const bool wu = i < warmup;
      add(rt, "io", "seqread-1m.rootfs.bw", "MiB/s", wu ? i : i - warmup, wu, med * std::exp(0.03 * normal(rng)));
    }
  }
  const std::vector<std::pair<std::string, double>> cpu = {{"host", 10.0}, {"runc", 10.1}, {"gvisor", 11.2}};
  for (const auto& [rt, med] : cpu) {
    for (int i = 0; i < warmup + measured; ++i) {
      const bool wu = i < warmup;
      const double sigma = rt == "gvisor" ? 0.25 : 0.02;
      add(rt, "cpu", "compute", "s", wu ? i : i - warmup, wu, med * std::exp(sigma * normal(rng)));
    }
  }
  r.unsupported.push_back({"gvisor", "build", "",
                           "runsc (release-20221212.0) cannot start an inner dockerd: Devices cgroup isn't mounted"});
  r.manifest.finished = "2024-05-01T10:05:00.000000Z";
  r.complete = true;
  return r;
}

nlohmann::json sample_matrix() {
  return nlohmann::json::parse(R"json({
    "title": "Requirements matrix (measured on bench-host)",
    "runtimes": ["runc", "gvisor", {"id": "sysbox", "available": false, "reason": "sysbox-runc is not installed"}],
    "rows": [
      {"id": "docker-in-docker", "label": "Docker-in-Docker",
       "cells": {"runc": {"verdict": "partial", "evidence": "inner dockerd needs --cap-add ALL", "seed": "no"},
                 "gvisor": {"verdict": "no", "evidence": {"command": ["dockerd"], "stderr": "Devices cgroup isn't mounted"}},
                 "sysbox": {"verdict": "unavailable", "evidence": "sysbox-runc is not installed"}}},
      {"id": "bind-mounts", "label": "Bind mounts",
       "cells": {"runc": {"verdict": "yes", "evidence": "rw ok, ro enforced"},
                 "gvisor": {"verdict": "yes", "evidence": "rw ok, ro enforced"},
                 "sysbox": "unavailable"}},
      {"id": "simple-api", "label": "Simple API", "declared": true,
       "cells": {"runc": "yes", "gvisor": "yes", "sysbox": "yes"}}
    ],
    "recommendation": "runc with DinD mode meets docker-in-docker, bind-mounts"
  })json");
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "moat-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace moat::bench::testing
