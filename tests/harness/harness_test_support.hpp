// Shared pieces of the harness tests: the build tree's plugins, a config
// whose host runtime keeps its state in a scratch directory, a tiny profile,
// run ids starting with "th-", and the real `moat` binary.
#pragma once

#include "engine_objects.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"

#include <moat/bench/report/results.hpp>
#include <moat/core/config.hpp>
#include <moat/core/plugin_registry.hpp>
#include <moat/engine/docker_client.hpp>
#include <moat/harness/runner.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace moat::harness_test {

inline constexpr const char* kRunPrefix = "th-";

// Under /var/tmp (disk, like a user's workspace), not a tmpfs /tmp.
class TempDir : public moat::test::TempDir {
 public:
  explicit TempDir(const std::string& stem = "moat-harness-test") : moat::test::TempDir(stem, "/var/tmp") {}
};

const std::filesystem::path& scratch();
core::PluginRegistry& registry();
core::Config config();
using moat::test::client;

// "th-<pid>-<n>"
std::string unique_run_id();

// One repetition, no warm-up, every size as small as the scenario allows.
harness::Profile tiny_profile();
// Options for a run of `suites` on `runtimes` into `out`.
harness::BenchOptions options(const std::vector<std::string>& suites, const std::vector<std::string>& runtimes,
                              const std::filesystem::path& out);

// True when every runtime is available here; `why` lists those that are not.
bool available(const std::vector<std::string>& runtimes, std::string& why);

// The samples of (runtime, scenario, metric) that are measured (not warm-up).
std::vector<const bench::Sample*> samples_of(const bench::Results& r, const std::string& runtime,
                                             const std::string& scenario, const std::string& metric);
// True when (runtime, scenario, metric) is covered by an unsupported record.
bool is_unsupported(const bench::Results& r, const std::string& runtime, const std::string& scenario,
                    const std::string& metric);
// The reason of that record (empty when none).
std::string unsupported_reason(const bench::Results& r, const std::string& runtime, const std::string& scenario,
                               const std::string& metric);

// Engine containers and volumes, and host-runtime sandboxes, labelled with a
// run id that starts with "th-".
std::vector<std::string> leftovers();

// `moat --config <scratch config> ARGS...`
moat::test::ProcessResult run_moat(std::vector<std::string> args, moat::test::RunOptions options = {});

}  // namespace moat::harness_test
