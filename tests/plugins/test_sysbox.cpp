// Sysbox is not installable on this host, so these tests check what can be
// checked without it: the refusals, the impostor detection (a runtime
// registered under the Sysbox name that is really runc), and - through the
// "verify": false diagnostic switch and a stand-in runtime - the exact
// container configuration the plugin makes the engine store.
#include "plugin_test_support.hpp"

#include <gtest/gtest.h>

#include <iostream>

using namespace moat::plugins_test;
using json = nlohmann::json;

namespace {

bool registered(const std::string& runtime) { return client().info().at("Runtimes").contains(runtime); }

void expect_impostor_reported(const std::string& runtime_name) {
  auto h = open("sysbox", {{"runtime_name", runtime_name}});
  auto p = h->probe();
  std::cout << "probe sysbox as '" << runtime_name << "': " << json(p).dump(2) << "\n";
  EXPECT_FALSE(p.available);
  const std::string expected = "runtime '" + runtime_name + "' is registered but is not Sysbox: runc version";
  EXPECT_EQ(p.reason.rfind(expected, 0), 0u) << p.reason;
  EXPECT_EQ(p.details["check2_binary"].value("is_sysbox", true), false);
  // Never used as Sysbox: create refuses before anything exists.
  const std::string name = unique_name("impostor");
  SandboxCleanup cleanup(name);
  auto e = expect_error([&] { h->create(base_spec(name)); });
  EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE);
  EXPECT_NE(std::string(e.what()).find("is registered but is not Sysbox"), std::string::npos) << e.what();
  EXPECT_TRUE(engine_objects_of(name).empty());
}

}  // namespace

TEST(Sysbox, CreateRefusesWhileUnavailable) {
  if (registered("sysbox-runc")) GTEST_SKIP() << "sysbox-runc is registered on this engine";
  auto h = open("sysbox");
  const std::string name = unique_name("sysbox-off");
  SandboxCleanup cleanup(name);
  auto e = expect_error([&] { h->create(base_spec(name)); });
  EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE);
  EXPECT_NE(std::string(e.what()).find("check 1 failed: runtime 'sysbox-runc' is not registered"), std::string::npos)
      << e.what();
  EXPECT_TRUE(engine_objects_of(name).empty());
}

// runc registered under the name the plugin is told to use: same code path as
// an impostor "sysbox-runc", and it runs on every engine.
TEST(Sysbox, RuncUnderTheSysboxNameIsReportedAsNotSysbox) { expect_impostor_reported("runc"); }

// The test command registers runc as "moat-test-not-sysbox" for the test run
// (scripts/test.sh -> scripts/stand-in-runtime.sh); a bare ctest on an engine
// without it reports this test as skipped.
TEST(Sysbox, RegisteredImpostorRuntimeIsReportedAsNotSysbox) {
  if (!registered("moat-test-not-sysbox"))
    GTEST_SKIP() << "the engine has no runtime 'moat-test-not-sysbox': scripts/test.sh registers it for the test "
                    "run (scripts/stand-in-runtime.sh add), or register {\"path\": \"/usr/sbin/runc\"} under that "
                    "name in the daemon's \"runtimes\"";
  expect_impostor_reported("moat-test-not-sysbox");
}

TEST(Sysbox, RefusesHostNetworkAndPrivilegedNamingSysbox) {
  auto h = open("sysbox", {{"runtime_name", "runc"}, {"verify", false}});
  const std::string name = unique_name("sysbox-refuse");
  SandboxCleanup cleanup(name);
  auto spec = base_spec(name);
  spec.network = "host";
  auto e = expect_error([&] { h->create(spec); });
  EXPECT_EQ(e.status(), MOAT_E_INVALID);
  EXPECT_NE(std::string(e.what()).find("Sysbox cannot use the host network"), std::string::npos) << e.what();
  spec.network = "";
  spec.options = {{"privileged", true}};
  auto e2 = expect_error([&] { h->create(spec); });
  EXPECT_EQ(e2.status(), MOAT_E_INVALID);
  EXPECT_NE(std::string(e2.what()).find("Sysbox does not support privileged"), std::string::npos) << e2.what();
  spec.options = {{"pid", "host"}};
  EXPECT_EQ(expect_error([&] { h->create(spec); }).status(), MOAT_E_INVALID);
  EXPECT_TRUE(engine_objects_of(name).empty());
}

TEST(Sysbox, EngineStoresTheExactSysboxContainerConfiguration) {
  ensure_base_image();
  // verify=false + a stand-in runtime: the container is created (not
  // started) exactly as it would be for sysbox-runc.
  auto h = open("sysbox", {{"runtime_name", "runc"}, {"verify", false}});
  const std::string name = unique_name("sysbox-shape");
  SandboxCleanup cleanup(name);
  TempDir ws("moat-sb-ws");
  TempDir home("moat-sb-home");
  auto spec = base_spec(name);
  spec.workspace = ws.path().string();
  spec.home = home.path().string();
  spec.user = "dev";
  spec.hostname = "devbox";
  spec.env = {{"A", "1"}};
  auto info = h->create(spec);
  EXPECT_EQ(info.engine_runtime, "runc");

  const json c = client().inspect_container(name);
  std::cout << "stored HostConfig: " << c["HostConfig"].dump() << "\n";
  const json& hc = c["HostConfig"];
  EXPECT_EQ(hc["Runtime"], "runc");
  EXPECT_EQ(hc["Privileged"], false);
  EXPECT_TRUE(hc["CapAdd"].is_null() || hc["CapAdd"].empty()) << hc["CapAdd"];
  EXPECT_TRUE(hc["SecurityOpt"].is_null() || hc["SecurityOpt"].empty()) << hc["SecurityOpt"];
  EXPECT_TRUE(hc["DeviceCgroupRules"].is_null() || hc["DeviceCgroupRules"].empty());
  const std::string net = hc.value("NetworkMode", "");
  EXPECT_TRUE(net == "default" || net == "bridge") << net;
  EXPECT_NE(hc.value("PidMode", ""), "host");
  EXPECT_NE(hc.value("UsernsMode", ""), "host");
  EXPECT_EQ(c["Config"]["Hostname"], "devbox");
  EXPECT_EQ(c["Config"]["Labels"]["moat.runtime"], "sysbox");
  EXPECT_EQ(c["Config"]["Labels"]["moat.managed"], "true");
  EXPECT_EQ(c["Config"]["Labels"]["moat.dind"], "auto");
  EXPECT_EQ(c["Config"]["Labels"]["moat.engine-runtime"], "runc");
  EXPECT_EQ(c["Config"]["Entrypoint"][0], "/bin/sh");

  std::map<std::string, json> by_target;
  for (const auto& m : hc["Mounts"]) by_target[m["Target"]] = m;
  ASSERT_TRUE(by_target.contains("/workspace"));
  EXPECT_EQ(by_target["/workspace"]["Type"], "bind");
  EXPECT_EQ(by_target["/workspace"]["Source"], spec.workspace);
  EXPECT_FALSE(by_target["/workspace"].value("ReadOnly", false));
  ASSERT_TRUE(by_target.contains("/home/dev"));
  EXPECT_EQ(by_target["/home/dev"]["Source"], spec.home);
  ASSERT_TRUE(by_target.contains("/var/lib/docker"));
  EXPECT_EQ(by_target["/var/lib/docker"]["Type"], "volume");
  EXPECT_EQ(by_target["/var/lib/docker"]["Source"], name + "-docker");
  EXPECT_EQ(by_target.size(), 3u);

  // The DinD volume is moat's, labelled for this sandbox, and goes with it.
  auto vols = client().list_volumes({{"moat.managed", "true"}, {"moat.sandbox", name}});
  ASSERT_EQ(vols.size(), 1u);
  EXPECT_EQ(vols[0]["Name"], name + "-docker");
  EXPECT_EQ(vols[0]["Labels"]["moat.run-id"], kRunId);
  h->remove(name);
  EXPECT_TRUE(engine_objects_of(name).empty());
}

TEST(Sysbox, SidecarOverrideRunsOnRuncNextToSysbox) {
  ensure_base_image();
  // Sysbox itself is unavailable here; a per-sandbox override to runc is not Sysbox and is allowed.
  auto h = open("sysbox");
  const std::string name = unique_name("sidecar");
  SandboxCleanup cleanup(name);
  auto spec = base_spec(name);
  spec.options = {{"engine_runtime", "runc"}, {"start", true}};
  auto info = h->create(spec);
  EXPECT_TRUE(info.running);
  EXPECT_EQ(info.engine_runtime, "runc");
  EXPECT_EQ(info.runtime, "sysbox");
  EXPECT_EQ(info.labels.count("moat.dind"), 0u);
  EXPECT_EQ(client().inspect_container(name)["HostConfig"]["Runtime"], "runc");
  h->remove(name);
  EXPECT_TRUE(engine_objects_of(name).empty());
}
