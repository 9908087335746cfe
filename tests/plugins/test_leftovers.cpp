// Runs after every other plugin test (ctest cleanup fixture): nothing these
// tests created may remain in the engine.
#include "plugin_test_support.hpp"

#include <gtest/gtest.h>

using namespace moat::plugins_test;

TEST(PluginLeftovers, NothingOfTheseTestsRemains) {
  std::vector<std::string> left;
  for (const auto& c : client().list_containers({{moat::kRunIdLabel, kRunId}}, true))
    left.push_back("container " + c["Names"][0].get<std::string>());
  for (const auto& v : client().list_volumes({{moat::kRunIdLabel, kRunId}}))
    left.push_back("volume " + v["Name"].get<std::string>());
  for (const auto& n : client().list_networks({{moat::kRunIdLabel, kRunId}}))
    left.push_back("network " + n["Name"].get<std::string>());
  std::string text;
  for (const auto& l : left) text += l + "\n";
  EXPECT_TRUE(left.empty()) << text;
}
