// The plugin registry the integration tests load runtimes through: the build
// tree's plugin folder, examined by the real probe helper (the host's path).
#pragma once

#include <moat/core/plugin_registry.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace moat::test {

// A registry over `plugin_dir`, discovered; plugins it refused are reported
// on stderr. Callers keep it for the whole process and never destroy it
// (runtime handles may outlive static destruction order).
std::unique_ptr<moat::core::PluginRegistry> discover_plugins(const std::string& plugin_dir,
                                                             const std::string& examiner,
                                                             std::chrono::seconds examine_timeout);

}  // namespace moat::test
