// Two moat processes asked for the same sandbox name at the same moment: one
// wins, the other gets a conflict (from the creation journal, or from the
// engine when the first had already finished), and nothing is left over.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <future>

using namespace moat::sandbox_test;

namespace {

TEST(ConcurrentCreate, OneWinsTheOtherGetsAConflictAndNothingIsOrphaned) {
  ensure_base_image();
  for (int round = 0; round < 3; ++round) {
    const std::string box = unique_name("race");
    Cleanup cleanup(box);
    const std::vector<std::string> args = {"sandbox", "create",   box,       "--runtime", "runc",
                                           "--image", kBaseImage, "--start", "--volume",  box + "-data:/data"};
    auto a = std::async(std::launch::async, [&] { return run_moat(args); });
    auto b = std::async(std::launch::async, [&] { return run_moat(args); });
    const auto ra = a.get();
    const auto rb = b.get();
    const int winners = (ra.exit_code == 0 ? 1 : 0) + (rb.exit_code == 0 ? 1 : 0);
    ASSERT_EQ(winners, 1) << "a: " << ra.exit_code << " " << ra.err << "\nb: " << rb.exit_code << " " << rb.err;
    const auto& loser = ra.exit_code == 0 ? rb : ra;
    EXPECT_EQ(loser.exit_code, 1) << loser.err;
    EXPECT_EQ(lines(loser.err).size(), 1u) << loser.err;
    const bool journal = loser.err.find("is being created by another moat process") != std::string::npos;
    const bool engine = loser.err.find("already") != std::string::npos;
    EXPECT_TRUE(journal || engine) << "a conflict, said as one: " << loser.err;

    // The winner's sandbox is whole and the only one; removing it leaves nothing.
    auto inspect = run_moat({"sandbox", "inspect", box});
    EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
    auto rm = run_moat({"sandbox", "rm", box});
    EXPECT_EQ(rm.exit_code, 0) << rm.err;
    EXPECT_TRUE(engine_objects_of(box).empty()) << "round " << round;
  }
}

}  // namespace
