// Docker-in-Docker on runc (its DinD mode): an inner dockerd comes up, an
// inner `docker build` works, and the built image survives a restart of the
// sandbox (the inner /var/lib/docker is on the <name>-docker volume).
#include "plugin_test_support.hpp"

#include <gtest/gtest.h>

#include <iostream>

using namespace moat::plugins_test;
using json = nlohmann::json;

namespace {

moat::ExecResult sh(moat::core::RuntimeHandle& h, const std::string& name, const std::string& script) {
  moat::ExecRequest r;
  r.name = name;
  r.argv = {"/bin/sh", "-c", script};
  r.timeout_s = 300;
  return h.exec(r);
}

}  // namespace

TEST(RuncDind, InnerBuildSurvivesRestart) {
  std::string why;
  if (!ensure_dind_image(why)) GTEST_SKIP() << why;
  auto h = open("runc");
  const std::string name = unique_name("dind");
  SandboxCleanup cleanup(name);
  auto spec = base_spec(name, kDindImage);
  spec.dind = true;
  spec.options = {{"start", true}};
  auto info = h->create(spec);
  EXPECT_TRUE(info.running);
  EXPECT_EQ(info.labels.at("moat.dind"), "required");

  const json c = client().inspect_container(name);
  EXPECT_EQ(c["HostConfig"]["Privileged"], false);
  EXPECT_EQ(c["HostConfig"]["CapDrop"][0], "SYS_RESOURCE");

  auto up = sh(*h, name, "docker info --format '{{.ServerVersion}} {{.Driver}}'");
  ASSERT_EQ(up.exit_code, 0) << up.stderr_data;
  std::cout << "inner docker: " << up.stdout_data;

  auto build = sh(*h, name,
                  "set -e; mkdir -p /tmp/ctx; echo inner > /tmp/ctx/x; "
                  "printf 'FROM scratch\\nCOPY x /x\\n' > /tmp/ctx/Dockerfile; "
                  "docker build -q -t moat-inner:1 /tmp/ctx");
  ASSERT_EQ(build.exit_code, 0) << build.stdout_data << build.stderr_data;

  h->restart(name, 10);
  auto after = sh(*h, name, "docker image inspect --format '{{.Id}}' moat-inner:1");
  EXPECT_EQ(after.exit_code, 0) << after.stderr_data;
  EXPECT_NE(after.stdout_data.find("sha256:"), std::string::npos);

  h->stop(name, 10);
  h->start(name);
  auto again = sh(*h, name, "docker image inspect moat-inner:1 >/dev/null && echo present");
  EXPECT_EQ(again.stdout_data, "present\n") << again.stderr_data;

  h->remove(name);
  EXPECT_TRUE(engine_objects_of(name).empty());
}

TEST(RuncDind, WithoutDindModeThereIsNoInnerDocker) {
  std::string why;
  if (!ensure_dind_image(why)) GTEST_SKIP() << why;
  auto h = open("runc");
  const std::string name = unique_name("nodind");
  SandboxCleanup cleanup(name);
  auto spec = base_spec(name, kDindImage);
  spec.options = {{"start", true}};
  h->create(spec);
  auto r = sh(*h, name, "docker info >/dev/null 2>&1 && echo yes || echo no");
  EXPECT_EQ(r.stdout_data, "no\n");
  h->remove(name);
  EXPECT_TRUE(engine_objects_of(name).empty());
}

// gVisor's DinD mode asserts whatever this runsc really does: current gVisor
// runs an inner dockerd on a tmpfs /var/lib/docker; the Debian 12 runsc
// (2022-12) cannot ("Devices cgroup isn't mounted"), and then create fails
// cleanly with the inner dockerd's own words and leaves nothing.
// Debian 12's runsc (release 2022-12) cannot run an inner dockerd: it fails
// with "Devices cgroup isn't mounted". The plugin must report that reason and
// leave nothing behind. (A newer runsc that starts it fails this test: then
// assert the inner engine works instead.)
TEST(GvisorDind, InnerDockerdFailsWithItsReason) {
  std::string why;
  if (!ensure_dind_image(why)) GTEST_SKIP() << why;
  auto h = open("gvisor");
  const std::string name = unique_name("gdind");
  SandboxCleanup cleanup(name);
  auto spec = base_spec(name, kDindImage);
  spec.dind = true;
  spec.options = {{"start", true}};
  auto e = expect_error([&] { h->create(spec); });
  EXPECT_EQ(e.status(), MOAT_E_FAILED) << e.what();
  EXPECT_NE(std::string(e.what()).find("Docker-in-Docker did not start"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("Devices cgroup isn't mounted"), std::string::npos) << e.what();
  EXPECT_TRUE(engine_objects_of(name).empty());
}
