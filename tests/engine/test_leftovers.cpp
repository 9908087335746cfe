// Runs last (linked last in one process; a ctest FIXTURES_CLEANUP step under
// ctest): nothing the engine tests created may remain in the engine.
#include <moat/engine/docker_client.hpp>

#include <gtest/gtest.h>

#include "engine_test_support.hpp"

namespace {

using namespace moat::engine::testing;

TEST(EngineLeftovers, NothingLabelledForTheseTestsRemains) {
  auto client = make_client();
  const moat::engine::LabelFilter ours{{"moat.managed", "true"}, {kSuiteLabel, kSuiteValue}};
  std::string names;
  for (const auto& c : client.list_containers(ours)) names += " container:" + c.value("Id", "").substr(0, 12);
  for (const auto& n : client.list_networks(ours)) names += " network:" + n.value("Name", "");
  for (const auto& v : client.list_volumes(ours)) names += " volume:" + v.value("Name", "");
  EXPECT_TRUE(names.empty()) << "left in the engine:" << names;
}

}  // namespace
