// Shared pieces of the plugin tests: the plugins loaded through the host's
// registry, the engine client used to check what really exists, the test
// images, and guards that remove what a test created even when it fails.
#pragma once

#include "engine_objects.hpp"
#include "expect_error.hpp"
#include "temp_dir.hpp"
#include "test_images.hpp"

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
using moat::test::kBaseImage;
using moat::test::kDindImage;

// The registry over the build tree's plugin folder, discovered once per process.
moat::core::PluginRegistry& registry();
// A plugin instance through the registry (the real host path).
std::unique_ptr<moat::core::RuntimeHandle> open(const std::string& id,
                                                const nlohmann::json& config = nlohmann::json::object());

using moat::test::client;

// Unique per process and call: "mt-<stem>-<pid>-<n>".
std::string unique_name(const std::string& stem);

// A spec on the base image with the run label.
SandboxSpec base_spec(const std::string& name, const std::string& image = kBaseImage);

using moat::test::ensure_base_image;
// True when moat/dind:bookworm is there (or could be built now); `why` says why not.
bool ensure_dind_image(std::string& why);

using moat::test::engine_objects_of;
using moat::test::SandboxCleanup;
using moat::test::TempDir;

using moat::test::expect_error;

}  // namespace moat::plugins_test
