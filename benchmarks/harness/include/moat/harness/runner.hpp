// `moat bench` without the command line: resolves the runtimes, writes the
// manifest, runs every scenario with warm-ups and repetitions, runtimes in
// a freshly shuffled order in each repetition (seeded; the seed is in the
// manifest), records every sample as it completes, and removes every sandbox
// of the run on success, failure and interruption.
#pragma once

#include <moat/bench/report/results.hpp>
#include <moat/core/config.hpp>
#include <moat/core/plugin_registry.hpp>
#include <moat/engine/docker_client.hpp>
#include <moat/harness/profile.hpp>
#include <moat/harness/progress.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace moat::harness {

inline constexpr const char* kJsonlName = "results.jsonl";
inline constexpr const char* kJsonName = "results.json";

struct BenchOptions {
  Profile profile;
  std::vector<std::string> runtimes;  // empty = every available runtime
  std::vector<std::string> suites;    // empty = every scenario; measured in scenario_names() order
  std::optional<int> repetitions;     // overrides every scenario's
  std::optional<int> warmup;          // overrides every scenario's
  std::optional<std::uint64_t> seed;  // default: random (recorded)
  std::filesystem::path out_dir;      // results.jsonl and results.json
  std::filesystem::path work_dir;     // default: <out_dir>/work-<run id>; removed at the end
  bool keep_work_dir = false;
  std::filesystem::path workloads_dir;
  std::string run_id;  // default: new_run_id()
  // The engine to talk to; `moat bench` sets it with core::engine_client_options()
  // (engine.socket, else DOCKER_HOST). Not read here from DOCKER_HOST: a
  // configured socket must win over a DOCKER_HOST moat cannot use.
  engine::ClientOptions engine;
  bool fsync_each_record = false;
  std::function<bool()> cancelled;  // polled between samples (and by the service inside create)
  Progress* progress = nullptr;
};

struct BenchOutcome {
  std::string run_id;
  bool interrupted = false;
  std::filesystem::path jsonl_path;
  std::filesystem::path json_path;  // empty when interrupted (the JSONL then has no end record)
  bench::Results results;           // what was recorded (complete unless interrupted)
  std::size_t samples = 0;
  std::size_t failures = 0;
  std::size_t unsupported = 0;
  std::vector<std::string> skipped_runtimes;  // default selection: unavailable ones, with why
  std::vector<std::string> cleanup_errors;    // what could not be removed (run 'moat gc --run-id')
};

// Throws moat::Error before anything is measured: invalid (unknown suite,
// bad counts), not-found (unknown runtime), unavailable (no runtime usable);
// failed when the output cannot be written.
BenchOutcome run_bench(const core::PluginRegistry& registry, const core::Config& config, BenchOptions options);

// moat's version as the harness was built.
const char* moat_version();

}  // namespace moat::harness
