#include "matrix_test_support.hpp"

#include <iostream>

namespace moat::matrix_test {

using namespace moat::matrix;

const SeedData& shipped_seed() {
  static const SeedData s = load_seed(MOAT_SEED_FILE);
  return s;
}

Column column(const std::string& id, bool available, const std::string& reason) {
  Column c;
  c.id = id;
  c.runtime = id;
  c.available = available;
  c.reason = reason;
  return c;
}

Cell cell(Verdict v, const std::string& summary) {
  Cell c;
  c.verdict = v;
  c.summary = summary;
  return c;
}

moat::core::PluginRegistry& registry() {
  // Never destroyed: runtime handles may outlive static destruction order.
  static moat::core::PluginRegistry* r = [] {
    moat::core::RegistryOptions options;
    options.search_dirs = {MOAT_TEST_PLUGIN_DIR};
    options.probe_helper = MOAT_PROBE_HELPER;
    options.probe_timeout = std::chrono::seconds(20);
    auto* reg = new moat::core::PluginRegistry(options);
    reg->discover();
    for (const auto& rec : reg->records())
      if (!rec.ok()) std::cerr << "plugin " << rec.path << " refused: " << rec.reason << "\n";
    return reg;
  }();
  return *r;
}

}  // namespace moat::matrix_test
