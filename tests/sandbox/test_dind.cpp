// Docker-in-Docker on runc through `moat sandbox`: an inner `docker build`
// works, and the image it built survives a restart (the inner store is on
// the sandbox's <name>-docker volume, which goes with the sandbox).
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <iostream>

using namespace moat::sandbox_test;

TEST(CliDind, InnerBuildSurvivesRestartOnRunc) {
  std::string why;
  if (!dind_image_present(why)) GTEST_SKIP() << why;
  const std::string name = unique_name("dind");
  Cleanup cleanup(name);
  TempDir ws("msb-dind-ws");
  std::vector<std::string> args = {"sandbox",  "create", name,      "--runtime",   "runc",  "--image",
                                   kDindImage, "--dind", "--start", "--workspace", ws.str()};
  for (const auto& a : run_label()) args.push_back(a);
  moat::test::RunOptions slow;
  slow.kill_after = std::chrono::seconds(600);
  auto created = run_moat(args, default_config(), slow);
  ASSERT_EQ(created.exit_code, 0) << created.err;

  auto info = run_moat({"sandbox", "exec", name, "--", "docker", "info", "--format", "{{.ServerVersion}} {{.Driver}}"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  std::cout << "inner docker: " << info.out;

  auto build = run_moat({"sandbox", "exec", name, "-w", "/workspace", "--", "sh", "-c",
                         // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one script, split over lines
                         "set -e; echo inner > x; printf 'FROM scratch\\nCOPY x /x\\n' > Dockerfile; "
                         "docker build -q -t msb-inner:1 ."},
                        default_config(), slow);
  ASSERT_EQ(build.exit_code, 0) << build.out << build.err;
  EXPECT_NE(build.out.find("sha256:"), std::string::npos) << build.out;

  auto restarted = run_moat({"sandbox", "restart", name}, default_config(), slow);
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  auto after =
      run_moat({"sandbox", "exec", name, "--", "docker", "image", "inspect", "--format", "{{.Id}}", "msb-inner:1"});
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_NE(after.out.find("sha256:"), std::string::npos) << after.out;

  EXPECT_EQ(client().list_volumes({{"moat.sandbox", name}}).size(), 1u) << "the inner store's volume";
  auto rm = run_moat({"sandbox", "rm", name});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_TRUE(engine_objects_of(name).empty()) << "container and inner-store volume are gone";
}
