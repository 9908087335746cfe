// `moat matrix` as a library call: plans the columns, probes each available
// runtime live (columns concurrently, each column's probes one after the
// other; then the boot probes one column at a time, so the engine is quiet
// while they are timed), fills the declared rows from the seed, compares
// with the seed, recommends, and sweeps anything left with the run's label.
#pragma once

#include <moat/core/config.hpp>
#include <moat/core/plugin_registry.hpp>
#include <moat/engine/docker_client.hpp>
#include <moat/matrix/model.hpp>
#include <moat/matrix/check_context.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace moat::matrix {

struct MatrixOptions {
  std::vector<std::string> runtimes;             // column ids; empty = every column
  std::vector<std::string> require;              // row ids; empty = the seed's profile
  std::optional<std::filesystem::path> results;  // a `moat bench` results file: boot figures from it
  std::chrono::seconds check_timeout{120};       // per probe
  int boot_samples = 5;
  int jobs = 0;                       // columns probed at once; 0 = all
  std::filesystem::path seed_file;    // seed-matrix.json
  std::filesystem::path scratch_dir;  // host dirs for the probes; empty = the first allowed bind root, else /var/tmp
  engine::ClientOptions engine;
  Images images;
  std::string run_id;  // empty = a new one
  const std::atomic<bool>* cancel = nullptr;
  // One line per finished probe ("runc: docker-in-docker ❌ 3.2 s"); called from worker threads, serialized.
  std::function<void(const std::string&)> progress;
};

// Throws moat::Error: invalid (unknown runtime or requirement id), not-found
// or invalid (seed or results file). Runtime failures are results, not errors.
MatrixReport run_matrix(const core::PluginRegistry& registry, const core::Config& config, const MatrixOptions& options);

// The requirement ids, checked: each must be a measured row. Throws
// moat::Error(MOAT_E_INVALID) listing the valid ids.
std::vector<std::string> check_requirements(const std::vector<std::string>& ids);

}  // namespace moat::matrix
