#include "test_plugins_registry.hpp"

#include <iostream>

namespace moat::test {

std::unique_ptr<moat::core::PluginRegistry> discover_plugins(const std::string& plugin_dir,
                                                             const std::string& probe_helper,
                                                             std::chrono::seconds probe_timeout) {
  moat::core::RegistryOptions options;
  options.search_dirs = {plugin_dir};
  options.probe_helper = probe_helper;
  options.probe_timeout = probe_timeout;
  auto reg = std::make_unique<moat::core::PluginRegistry>(options);
  reg->discover();
  for (const auto& rec : reg->records())
    if (!rec.ok()) std::cerr << "plugin " << rec.path << " refused: " << rec.reason << "\n";
  return reg;
}

}  // namespace moat::test
