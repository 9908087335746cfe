// Sysbox and Kata cannot be installed on this host: their verdicts through
// `moat runtimes`, `moat sandbox create` refusing with that verdict (exit 69,
// nothing created), and - through the sysbox plugin's "verify": false
// diagnostic switch and a stand-in engine runtime - the exact container the
// sysbox plugin would create, read back from what the engine stored.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>

using namespace moat::sandbox_test;
using json = nlohmann::json;

namespace {

json runtime_row(const std::string& id) {
  auto r = run_moat({"-o", "json", "runtimes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Keep the parsed document alive: a range-for over a member of a temporary dangles.
  const json doc = json::parse(r.out);
  for (const auto& row : doc.at("runtimes"))
    if (row.at("id") == id) return row;
  ADD_FAILURE() << "no runtime " << id << " in " << r.out;
  return json::object();
}

class Unavailable : public ::testing::TestWithParam<std::string> {};

TEST_P(Unavailable, VerdictAndCreateRefusedWithItNothingCreated) {
  const std::string id = GetParam();
  const json row = runtime_row(id);
  if (row.value("available", false)) GTEST_SKIP() << id << " is available on this host";
  const std::string reason = row.value("reason", "");
  std::cout << id << ": " << reason << "\n";
  ASSERT_FALSE(reason.empty());
  EXPECT_NE(reason.find(id == "sysbox" ? "sysbox-runc" : id), std::string::npos) << reason;

  const std::string name = unique_name("unavail-" + id);
  Cleanup cleanup(name);
  std::vector<std::string> args = {"sandbox", "create", name, "--runtime", id, "--image", kBaseImage, "--start"};
  for (const auto& a : run_label()) args.push_back(a);
  auto r = run_moat(args);
  EXPECT_EQ(r.exit_code, 69);
  ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
  EXPECT_EQ(lines(r.err)[0], "moat: runtime '" + id + "' is not available here: " + reason);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(engine_objects_of(name).empty());
}

INSTANTIATE_TEST_SUITE_P(Runtimes, Unavailable, ::testing::Values("sysbox", "kata"));

TEST(Unavailable, DefaultRuntimeIsSysbox) {
  auto r = run_moat({"-o", "json", "runtimes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["default_runtime"], "sysbox");
  const std::string name = unique_name("default-rt");
  Cleanup cleanup(name);
  auto c = run_moat({"sandbox", "create", name, "--image", kBaseImage});
  if (runtime_row("sysbox").value("available", false)) GTEST_SKIP() << "Sysbox is available here";
  EXPECT_EQ(c.exit_code, 69) << c.err;
  EXPECT_EQ(c.err.rfind("moat: runtime 'sysbox' is not available here: ", 0), 0u) << c.err;
  EXPECT_TRUE(engine_objects_of(name).empty());
}

// The engine runtime the sysbox plugin is pointed at instead of sysbox-runc:
// runc registered under another name for the test run by scripts/test.sh
// (scripts/stand-in-runtime.sh) when present.
std::string stand_in_runtime() {
  const json runtimes = client().info().at("Runtimes");
  return runtimes.contains("moat-test-not-sysbox") ? "moat-test-not-sysbox" : "runc";
}

TEST(SysboxShape, EngineStoresTheExactContainerConfiguration) {
  ensure_base_image();
  const std::string stand_in = stand_in_runtime();
  const auto config =
      write_config("sysbox-shape.json", {{"plugins", {{"sysbox", {{"runtime_name", stand_in}, {"verify", false}}}}}});
  const std::string name = unique_name("sysbox-shape");
  Cleanup cleanup(name);
  TempDir ws("msb-ws");
  TempDir home("msb-home");
  std::vector<std::string> args = {"sandbox",
                                   "create",
                                   name,
                                   "--runtime",
                                   "sysbox",
                                   "--image",
                                   kBaseImage,
                                   "--workspace",
                                   ws.str(),
                                   "--home",
                                   home.str(),
                                   "--user",
                                   "dev",
                                   "--hostname",
                                   "devbox",
                                   "-e",
                                   "A=1",
                                   "-v",
                                   ws.str() + ":/ro:ro",
                                   "--volume",
                                   name + "-data:/data"};
  for (const auto& a : run_label()) args.push_back(a);
  auto r = run_moat(args, config);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const json c = client().inspect_container(name);
  std::cout << "stored Config: " << c["Config"].dump() << "\nstored HostConfig: " << c["HostConfig"].dump() << "\n";
  const json& hc = c["HostConfig"];
  EXPECT_EQ(hc["Runtime"], stand_in);
  EXPECT_EQ(hc["Privileged"], false);
  EXPECT_TRUE(hc["CapAdd"].is_null() || hc["CapAdd"].empty()) << hc["CapAdd"];
  EXPECT_TRUE(hc["CapDrop"].is_null() || hc["CapDrop"].empty()) << hc["CapDrop"];
  EXPECT_TRUE(hc["SecurityOpt"].is_null() || hc["SecurityOpt"].empty()) << hc["SecurityOpt"];
  EXPECT_TRUE(hc["Devices"].is_null() || hc["Devices"].empty()) << hc["Devices"];
  EXPECT_TRUE(hc["DeviceCgroupRules"].is_null() || hc["DeviceCgroupRules"].empty());
  const std::string net = hc.value("NetworkMode", "");
  EXPECT_TRUE(net == "default" || net == "bridge") << net;
  EXPECT_NE(hc.value("PidMode", ""), "host");
  EXPECT_NE(hc.value("IpcMode", ""), "host");
  EXPECT_NE(hc.value("UsernsMode", ""), "host");
  EXPECT_EQ(hc["RestartPolicy"]["Name"], "no");
  EXPECT_EQ(c["Config"]["Hostname"], "devbox");
  EXPECT_EQ(c["Config"]["WorkingDir"], "/workspace");
  EXPECT_NE(std::find(c["Config"]["Env"].begin(), c["Config"]["Env"].end(), "A=1"), c["Config"]["Env"].end());
  const json& labels = c["Config"]["Labels"];
  EXPECT_EQ(labels["moat.managed"], "true");
  EXPECT_EQ(labels["moat.runtime"], "sysbox");
  EXPECT_EQ(labels["moat.name"], name);
  EXPECT_EQ(labels["moat.engine-runtime"], stand_in);
  EXPECT_EQ(labels["moat.dind"], "auto") << "Docker inside by default when the image has it";
  EXPECT_EQ(labels["moat.run-id"], kRunId);

  std::map<std::string, json> by_target;
  for (const auto& m : hc["Mounts"]) by_target[m["Target"]] = m;
  EXPECT_EQ(by_target.size(), 5u) << hc["Mounts"].dump();
  EXPECT_EQ(by_target["/workspace"]["Type"], "bind");
  EXPECT_EQ(by_target["/workspace"]["Source"], std::filesystem::canonical(ws.path()).string());
  EXPECT_FALSE(by_target["/workspace"].value("ReadOnly", false));
  EXPECT_EQ(by_target["/home/dev"]["Source"], std::filesystem::canonical(home.path()).string());
  EXPECT_EQ(by_target["/ro"]["Type"], "bind");
  EXPECT_TRUE(by_target["/ro"].value("ReadOnly", false));
  EXPECT_EQ(by_target["/data"]["Type"], "volume");
  EXPECT_EQ(by_target["/data"]["Source"], name + "-data");
  EXPECT_EQ(by_target["/var/lib/docker"]["Type"], "volume");
  EXPECT_EQ(by_target["/var/lib/docker"]["Source"], name + "-docker") << "the inner Docker store survives restarts";

  // Seen through moat: owned by sysbox, on the stand-in runtime.
  auto shown = run_moat({"-o", "json", "sandbox", "inspect", name}, config);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const json info = json::parse(shown.out)["sandbox"];
  EXPECT_EQ(info["runtime"], "sysbox");
  EXPECT_EQ(info["engine_runtime"], stand_in);

  auto vols = client().list_volumes({{"moat.managed", "true"}, {"moat.sandbox", name}});
  EXPECT_EQ(vols.size(), 2u);
  auto rm = run_moat({"sandbox", "rm", name}, config);
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_TRUE(engine_objects_of(name).empty());
}

// The host's policy refuses host networking first; with the policy allowing
// it, Sysbox's own stricter refusal still holds.
TEST(SysboxShape, HostNetworkIsRefusedNamingSysboxEvenWhenThePolicyAllowsIt) {
  const auto config = write_config(
      "sysbox-shape-hostnet.json",
      {{"policy", {{"allow_host_network", true}}},
       {"plugins", {{"sysbox", {{"runtime_name", stand_in_runtime()}, {"verify", false}}}}}});
  const std::string name = unique_name("sysbox-hostnet");
  Cleanup cleanup(name);
  auto r =
      run_moat({"sandbox", "create", name, "--runtime", "sysbox", "--image", kBaseImage, "--network", "host"}, config);
  EXPECT_EQ(r.exit_code, 65);
  ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("Sysbox cannot use the host network"), std::string::npos) << r.err;
  EXPECT_TRUE(engine_objects_of(name).empty());
}

}  // namespace
