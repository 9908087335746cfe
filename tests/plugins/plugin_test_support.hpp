// Shared pieces of the plugin tests: the plugins loaded through the host's
// registry, the engine client used to check what really exists, the test
// images, and guards that remove what a test created even when it fails.
#pragma once

#include <moat/core/plugin_registry.hpp>
#include <moat/core/runtime_handle.hpp>
#include <moat/engine/docker_client.hpp>
#include <moat/model.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::plugins_test {

// moat.run-id on every sandbox (and, through the plugins, every volume) these
// tests create; PluginLeftovers looks for it.
inline constexpr const char* kRunId = "test_plugins";
inline constexpr const char* kBaseImage = "moat/base:busybox";
inline constexpr const char* kDindImage = "moat/dind:bookworm";

// The registry over the build tree's plugin folder, discovered once per process.
moat::core::PluginRegistry& registry();
// A plugin instance through the registry (the real host path).
std::unique_ptr<moat::core::RuntimeHandle> open(const std::string& id,
                                                const nlohmann::json& config = nlohmann::json::object());

moat::engine::DockerClient& client();

// Unique per process and call: "mt-<stem>-<pid>-<n>".
std::string unique_name(const std::string& stem);

// A spec on the base image with the run label.
SandboxSpec base_spec(const std::string& name, const std::string& image = kBaseImage);

// Builds moat/base:busybox with the host's ImageBuilder unless present.
void ensure_base_image();
// True when moat/dind:bookworm is there (or could be built now); `why` says why not.
bool ensure_dind_image(std::string& why);

// Containers and volumes that still carry this sandbox's name.
std::vector<std::string> engine_objects_of(const std::string& sandbox);

// Removes the named sandboxes' containers and volumes on scope exit.
class SandboxCleanup {
 public:
  SandboxCleanup() = default;
  explicit SandboxCleanup(std::string name) { add(std::move(name)); }
  ~SandboxCleanup();
  SandboxCleanup(const SandboxCleanup&) = delete;
  SandboxCleanup& operator=(const SandboxCleanup&) = delete;
  void add(std::string name) { names_.push_back(std::move(name)); }

 private:
  std::vector<std::string> names_;
};

class TempDir {
 public:
  explicit TempDir(const std::string& stem);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `body` and returns the moat::Error it threw; fails the test if it did not.
template <typename Body>
moat::Error expect_error(Body&& body) {
  try {
    body();
  } catch (const moat::Error& e) {
    return e;
  }
  throw std::runtime_error("expected a moat::Error, but the call succeeded");
}

}  // namespace moat::plugins_test
