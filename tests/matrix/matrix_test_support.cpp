#include "matrix_test_support.hpp"

#include "test_plugins_registry.hpp"

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
  static moat::core::PluginRegistry* r =
      moat::test::discover_plugins(MOAT_TEST_PLUGIN_DIR, MOAT_EXAMINER, std::chrono::seconds(20)).release();
  return *r;
}

}  // namespace moat::matrix_test
