// Runs after every other sandbox test (a ctest cleanup fixture): nothing these
// tests created may remain in the engine.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

using namespace moat::sandbox_test;

TEST(SandboxLeftovers, NothingOfTheseTestsRemains) {
  std::string text;
  for (const auto& l : leftovers()) text += l + "\n";
  EXPECT_TRUE(text.empty()) << text;
}
