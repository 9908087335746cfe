#include "plugin_test_support.hpp"

#include "test_plugins_registry.hpp"

#include <moat/core/image_builder.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

namespace moat::plugins_test {

using json = nlohmann::json;

moat::core::PluginRegistry& registry() {
  // Deliberately never destroyed: handles may outlive static destruction order.
  static moat::core::PluginRegistry* r =
      moat::test::discover_plugins(MOAT_TEST_PLUGIN_DIR, MOAT_EXAMINER, std::chrono::seconds(20)).release();
  return *r;
}

std::unique_ptr<moat::core::RuntimeHandle> open(const std::string& id, const json& config) {
  return registry().open(id, config);
}

std::string unique_name(const std::string& stem) {
  static std::atomic<int> n{0};
  return "mt-" + stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

SandboxSpec base_spec(const std::string& name, const std::string& image) {
  SandboxSpec s;
  s.name = name;
  s.image = image;
  s.labels[kRunIdLabel] = kRunId;
  return s;
}

bool ensure_dind_image(std::string& why) {
  if (client().inspect_image(kDindImage)) return true;
  // Building it runs debootstrap (minutes); opt in, or let `moat image prepare dind` do it.
  const char* build = std::getenv("MOAT_TEST_BUILD_DIND");
  if (build == nullptr || std::string(build) != "1") {
    why = std::string(kDindImage) +
          " is not in the engine: run 'moat image prepare dind' (or set MOAT_TEST_BUILD_DIND=1 to build it here)";
    return false;
  }
  try {
    moat::core::ImageBuilderOptions o;
    o.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    moat::core::ImageBuilder(client(), o).prepare("dind");
    return true;
  } catch (const std::exception& e) {
    why = std::string("building ") + kDindImage + " failed: " + e.what();
    return false;
  }
}

}  // namespace moat::plugins_test
