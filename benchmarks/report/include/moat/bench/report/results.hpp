// The results of one benchmark run: a manifest saying how and where it was
// measured, the declared metrics, and every raw sample (warm-ups and failures
// included). This is what `moat bench` writes and `moat report` / `moat
// compare` read; the JSON shape is documented in docs/results-schema.md.
#pragma once

#include <moat/bench/report/metric.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::bench {

// Bumped on an incompatible change of the file format; readers refuse newer majors.
inline constexpr int kResultsSchemaVersion = 1;

struct HostInfo {
  std::string hostname;
  std::string kernel;     // uname -r
  std::string os;         // PRETTY_NAME from /etc/os-release
  std::string cpu_model;  // /proc/cpuinfo "model name"
  int cores = 0;          // online logical CPUs
  std::uint64_t memory_bytes = 0;
  std::string workdir;             // where bind-mounted workspaces live
  std::string workdir_filesystem;  // its filesystem type (statfs), e.g. "ext4"
  // Anything else that explains a number: governor, SMT, turbo, nested virt, cgroup version...
  nlohmann::json extra = nlohmann::json::object();
};

struct EngineInfo {
  std::string name;     // "docker"
  std::string version;  // engine version, e.g. "20.10.24"
  std::string api;      // API version, e.g. "1.41"
};

struct RuntimeInfo {
  std::string id;                 // moat runtime (plugin) id: "runc", "gvisor", "host", ...
  std::string version;            // the runtime's own version string
  std::string engine_runtime;     // the name the engine knows it by, e.g. "runsc-nonet"
  std::vector<std::string> args;  // runtime arguments in effect, e.g. ["--network=none"]
  // Performance-relevant configuration (gVisor platform, Kata hypervisor, ...).
  nlohmann::json extra = nlohmann::json::object();
};

struct Manifest {
  int schema_version = kResultsSchemaVersion;
  std::string moat_version;
  std::string run_id;      // also the label value on every sandbox of the run
  std::string started;     // RFC 3339 UTC
  std::string finished;    // RFC 3339 UTC; empty while running or after a crash
  std::uint64_t seed = 0;  // the order shuffle and every bootstrap derive from it; keep < 2^53 for JSON readers
  std::string profile;     // "quick", "full", ...
  // Everything the user or the profile chose: repetitions, warmup, suites, sizes...
  nlohmann::json parameters = nlohmann::json::object();
  HostInfo host;
  EngineInfo engine;
  std::map<std::string, RuntimeInfo> runtimes;  // keyed by RuntimeInfo::id
  std::map<std::string, std::string> images;    // image reference -> digest
};

// One measurement. Scenarios usually go through ResultsWriter::record_value /
// record_failure, which fill the unit and timestamp.
struct Sample {
  std::string runtime;
  std::string scenario;
  std::string metric;
  std::string unit;             // must equal the declared metric's unit
  int repetition = 0;           // 0-based, counted separately for warm-ups and measured runs
  bool warmup = false;          // warm-ups are kept in the file but excluded from statistics
  std::optional<double> value;  // required (finite) when ok
  bool ok = true;
  std::string error;  // required when !ok: why this sample failed
  std::string t;      // RFC 3339 UTC when the sample completed; the writer fills it if empty
};

// A runtime that cannot run a scenario (or one metric of it) at all: reported
// as "not supported" with the reason, never as a zero or an error rate.
struct Unsupported {
  std::string runtime;
  std::string scenario;
  std::string metric;  // empty: the whole scenario
  std::string reason;
};

struct Results {
  Manifest manifest;
  std::vector<MetricInfo> metrics;  // declaration order
  std::vector<Sample> samples;      // completion order
  std::vector<Unsupported> unsupported;
  // True for a finalized run (final JSON, or a JSONL with its end line);
  // false for a JSONL recovered after a crash.
  bool complete = false;
  // What the reader had to work around (e.g. a torn last line); never fatal.
  std::vector<std::string> warnings;

  // nullptr when (scenario, metric) was not declared.
  [[nodiscard]] const MetricInfo* find_metric(const std::string& scenario, const std::string& metric) const;
};

}  // namespace moat::bench
