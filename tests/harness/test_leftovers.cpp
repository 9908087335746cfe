// Runs after every other harness test (a ctest cleanup fixture): nothing
// labelled with a test run id ("th-...") may remain in the engine or in the
// host runtime's state.
#include "harness_test_support.hpp"

#include <gtest/gtest.h>

namespace {

TEST(HarnessLeftovers, NothingOfTheseTestsRemains) {
  EXPECT_EQ(moat::harness_test::leftovers(), std::vector<std::string>{});
}

}  // namespace
