// Shared pieces of the sandbox tests: the real `moat` binary run with argv
// arrays in an isolated HOME, the sandbox service over the build tree's
// plugins, the engine client used to check what really exists, and guards
// that remove what a test created even when it fails.
//
// Every name a test makes starts with "msb-" and every sandbox carries
// moat.run-id=test_sandbox (or a run id starting with it), so the final
// leftover check can find anything of these tests - and only of these tests:
// other suites use the same engine at the same time.
#pragma once

#include "engine_objects.hpp"
#include "expect_error.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"
#include "test_images.hpp"

#include <moat/core/config.hpp>
#include <moat/core/plugin_registry.hpp>
#include <moat/core/sandbox_service.hpp>
#include <moat/engine/docker_client.hpp>
#include <moat/model.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::sandbox_test {

inline constexpr const char* kRunId = "test_sandbox";
inline constexpr const char* kNamePrefix = "msb-";
using moat::test::kBaseImage;
using moat::test::kDindImage;
using moat::test::TempDir;

// This process's scratch area: HOME, XDG dirs, the host runtime's state dir.
const std::filesystem::path& scratch();

using moat::test::client;

// "msb-<stem>-<pid>-<n>": unique per process and call.
std::string unique_name(const std::string& stem);

// ---- the moat binary ----
// Writes `doc` as a config file in the scratch area and returns its path.
std::filesystem::path write_config(const std::string& file_name, const nlohmann::json& doc);
// The config every CLI test uses unless it passes its own: the host runtime
// keeps its state in the scratch area; everything else at its default.
const std::filesystem::path& default_config();
// Runs `moat --config CONFIG ARGS...` with HOME and XDG dirs in the scratch area.
moat::test::ProcessResult run_moat(std::vector<std::string> args,
                                   const std::filesystem::path& config = default_config(),
                                   moat::test::RunOptions options = {});
// The lines of a text (no trailing empty line).
std::vector<std::string> lines(const std::string& text);
// --label moat.run-id=test_sandbox
std::vector<std::string> run_label();

// What `moat sandbox create` must answer to a request it refuses.
struct Refusal {
  int exit_code;
  std::string says;  // a part of the one line
};
// Runs `sandbox create NAME --runtime RUNTIME --image IMAGE --start` with
// run_label() and `extra`, and checks the refusal: the exit code, exactly one
// line "moat: ..." containing want.says, nothing on stdout, and nothing of
// NAME in the engine (no container, no volume).
void expect_create_refused(const std::string& stem, std::vector<std::string> extra, const Refusal& want,
                           const std::filesystem::path& config = default_config(), const std::string& runtime = "runc",
                           const std::string& image = kBaseImage);

// ---- the C++ API ----
moat::core::PluginRegistry& registry();
// The configuration the service tests use (host state in the scratch area).
moat::core::Config service_config();
SandboxSpec base_spec(const std::string& name, const std::string& runtime, const std::string& image = kBaseImage);

// ---- the engine ----
using moat::test::ensure_base_image;
// True when moat/dind:bookworm is in the engine; `why` says how to get it.
bool dind_image_present(std::string& why);
using moat::test::engine_objects_of;
// Everything of these tests still in the engine (by run-id label and name prefix).
std::vector<std::string> leftovers();

// Removes the named sandboxes' containers and volumes on scope exit.
using Cleanup = moat::test::SandboxCleanup;

using moat::test::expect_error;

}  // namespace moat::sandbox_test
