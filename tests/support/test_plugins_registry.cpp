#include "test_plugins_registry.hpp"

#include <iostream>

namespace moat::test {

std::unique_ptr<moat::core::PluginRegistry> discover_plugins(const std::string& plugin_dir,
                                                             const std::string& examiner,
                                                             std::chrono::seconds examine_timeout) {
  moat::core::RegistryOptions options;
  options.search_dirs = {plugin_dir};
  options.examiner = examiner;
  options.examine_timeout = examine_timeout;
  auto reg = std::make_unique<moat::core::PluginRegistry>(options);
  reg->discover();
  for (const auto& rec : reg->records())
    if (!rec.ok()) std::cerr << "plugin " << rec.path << " refused: " << rec.reason << "\n";
  return reg;
}

}  // namespace moat::test
