// Shared pieces of the engine integration tests: labels that mark what a test
// run created, an RAII guard that removes it, the cached busybox test image,
// and a child-process runner (argv only, no shell).
#pragma once

#include "temp_dir.hpp"

#include <moat/engine/docker_client.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace moat::engine::testing {

// Marks everything these tests create (the final check looks for it).
inline constexpr const char* kSuiteLabel = "moat.test";
inline constexpr const char* kSuiteValue = "test_engine";
inline constexpr const char* kRunLabel = "moat.test-run";

// The test image: static busybox with sh/true/cat/sleep/echo links, imported
// once and kept (it is tiny; re-importing it per test process would race
// between parallel ctest processes).
inline constexpr const char* kBusyboxImage = "moat-test/busybox:latest";

// Unique per test process.
const std::string& run_id();

// moat.managed=true, moat.test=test_engine, moat.test-run=<run id>.
std::map<std::string, std::string> run_labels();

// A client on the machine's engine (DOCKER_HOST honoured).
DockerClient make_client();

// A unique name for an engine object of this run.
std::string unique_name(const std::string& stem);

// A minimal container config: busybox image, the run labels, `cmd`.
nlohmann::json container_config(const std::vector<std::string>& cmd);

// Removes every container, network and volume labelled with this run's id
// when it goes out of scope, even when the test failed.
class RunObjectsGuard {
 public:
  RunObjectsGuard() = default;
  ~RunObjectsGuard();
  RunObjectsGuard(const RunObjectsGuard&) = delete;
  RunObjectsGuard& operator=(const RunObjectsGuard&) = delete;
};

using moat::test::TempDir;

// Runs argv, stdout/stderr to /dev/null; throws std::runtime_error unless it
// exits with 0.
void run_command(const std::vector<std::string>& argv);

// Imports kBusyboxImage unless the engine already has it.
void ensure_busybox_image(DockerClient& client);

}  // namespace moat::engine::testing
