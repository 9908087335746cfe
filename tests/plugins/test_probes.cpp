// Each plugin's describe() and live probe() on this host, through the
// registry. Expectations come from what this host has (checked here
// independently), not from fixed answers; the probe JSON is printed as evidence.
#include "plugin_test_support.hpp"

#include <moat/support/probe_evidence.hpp>
#include <moat/support/process.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

using namespace moat::plugins_test;
using json = nlohmann::json;

namespace {

json probe_and_print(const std::string& id, const json& config = json::object()) {
  auto h = open(id, config);
  json j = h->probe();
  std::cout << "probe " << id << ": " << j.dump(2) << "\n";
  return j;
}

bool registered(const std::string& runtime) { return client().info().at("Runtimes").contains(runtime); }

}  // namespace

TEST(PluginRegistry, LoadsAllSevenShippedPlugins) {
  for (const char* id : {"runc", "sysbox", "gvisor", "kata", "kata-qemu", "kata-clh", "host"}) {
    const auto* rec = registry().find(id);
    ASSERT_NE(rec, nullptr) << id;
    EXPECT_TRUE(rec->ok()) << id << ": " << rec->reason;
    EXPECT_EQ(rec->version, "0.1.0");
  }
  const std::vector<std::string> docker_ops = {"sandbox_create",
                                               "sandbox_start",
                                               "sandbox_stop",
                                               "sandbox_restart",
                                               "sandbox_remove",
                                               "sandbox_exec",
                                               "sandbox_inspect",
                                               "sandbox_logs",
                                               "sandbox_list",
                                               "network_connect",
                                               "network_disconnect",
                                               "managed_list",
                                               "managed_remove",
                                               "sandbox_exec_stream",
                                               "sandbox_logs_stream",
                                               "network_create",
                                               "network_remove",
                                               "network_list",
                                               "sandbox_snapshot",
                                               "sandbox_restore",
                                               "snapshot_list",
                                               "snapshot_remove",
                                               "sandbox_exec_interactive"};
  for (const char* id : {"runc", "sysbox", "gvisor", "kata", "kata-qemu", "kata-clh"})
    EXPECT_EQ(open(id)->operations(), docker_ops) << id;
  auto host_ops = open("host")->operations();
  for (const char* unsupported :
       {"network_connect", "network_create", "sandbox_snapshot", "sandbox_restore", "sandbox_logs_stream"})
    EXPECT_EQ(std::count(host_ops.begin(), host_ops.end(), unsupported), 0) << unsupported;
  for (const char* supported : {"sandbox_exec", "sandbox_exec_stream", "sandbox_exec_interactive"})
    EXPECT_EQ(std::count(host_ops.begin(), host_ops.end(), supported), 1) << supported;
  EXPECT_EQ(std::count(host_ops.begin(), host_ops.end(), "managed_list"), 1);
}

TEST(PluginDescribe, DeclaresHonestIsolation) {
  EXPECT_EQ(open("runc")->describe().isolation, "namespaces");
  EXPECT_EQ(open("sysbox")->describe().isolation, "user-namespace");
  EXPECT_EQ(open("gvisor")->describe().isolation, "user-space-kernel");
  EXPECT_EQ(open("kata")->describe().isolation, "vm");
  auto host = open("host")->describe();
  EXPECT_EQ(host.isolation, "none");
  ASSERT_FALSE(host.notes.empty());
  EXPECT_EQ(host.notes.front(), "runs as plain host processes: the native baseline for overhead ratios");
  auto runc = open("runc")->describe();
  bool warns = false;
  for (const auto& n : runc.notes)
    warns = warns || n.find("DinD mode (spec.dind) is NOT isolating") != std::string::npos;
  EXPECT_TRUE(warns);
}

TEST(PluginProbe, RuncIsAvailableWithItsVersion) {
  auto p = probe_and_print("runc").get<moat::ProbeResult>();
  ASSERT_TRUE(p.available) << p.reason;
  EXPECT_FALSE(p.version.empty());
  EXPECT_EQ(p.engine_runtime, "runc");
}

TEST(PluginProbe, HostIsAvailable) {
  TempDir state("moat-host-state");
  auto p = probe_and_print("host", {{"state_dir", state.path().string()}}).get<moat::ProbeResult>();
  EXPECT_TRUE(p.available) << p.reason;
}

TEST(PluginProbe, GvisorNamesTheNetworkCauseAndUsesTheFallback) {
  ensure_base_image();
  auto p = probe_and_print("gvisor").get<moat::ProbeResult>();
  if (!registered("runsc")) {
    EXPECT_FALSE(p.available);
    EXPECT_NE(p.reason.find("'runsc' is not registered"), std::string::npos) << p.reason;
    return;
  }
  const std::string release = p.details["runtime"].value("release", "");
  auto [major, minor] = moat::support::kernel_major_minor(moat::support::kernel_release());
  const bool old_on_new_kernel = !release.empty() && release < "20240801" && (major > 6 || (major == 6 && minor >= 11));
  EXPECT_FALSE(p.version.empty());
  EXPECT_FALSE(p.details["runtime"].value("platform", "").empty());
  if (old_on_new_kernel) {
    // This host: Debian's 2022-12 runsc on a >= 6.11 kernel.
    ASSERT_TRUE(p.details.contains("diagnosis")) << p.details.dump();
    const std::string d = p.details["diagnosis"];
    EXPECT_NE(d.find("predates the fix for kernels >= 6.11"), std::string::npos) << d;
    EXPECT_NE(d.find(moat::support::kernel_release()), std::string::npos) << d;
    EXPECT_NE(d.find("release-20240801 or later"), std::string::npos) << d;
    if (registered("runsc-nonet")) {
      ASSERT_TRUE(p.available) << p.reason;
      EXPECT_EQ(p.engine_runtime, "runsc-nonet");
      EXPECT_NE(p.details.value("caveat", "").find("loopback only"), std::string::npos);
    } else {
      EXPECT_FALSE(p.available);
    }
  } else {
    EXPECT_TRUE(p.available) << p.reason;
  }
  if (p.available) {
    // gVisor answers uname with its own kernel version, not the host's.
    const json& smoke = p.details.contains("fallback_smoke") ? p.details["fallback_smoke"] : p.details["smoke"];
    EXPECT_NE(smoke.value("kernel_inside", ""), moat::support::kernel_release());
  }
}

TEST(PluginProbe, SysboxUnavailableNamesTheFirstFailingCheck) {
  auto p = probe_and_print("sysbox").get<moat::ProbeResult>();
  for (const char* k : {"check1_registered", "check2_binary", "check3_daemons"})
    EXPECT_TRUE(p.details.contains(k)) << k;
  if (!registered("sysbox-runc")) {
    EXPECT_FALSE(p.available);
    EXPECT_EQ(p.reason.rfind("check 1 failed: runtime 'sysbox-runc' is not registered with the Docker engine", 0), 0u)
        << p.reason;
    EXPECT_NE(p.reason.find("install Sysbox CE"), std::string::npos);
    if (!std::filesystem::exists("/run/sysbox"))
      EXPECT_EQ(p.details["check3_daemons"].value("/run/sysbox/sysmgr.sock", ""), "missing");
  }
}

// This machine's engine is Debian's Docker 20.10: every Kata variant must say
// that Docker before 23 cannot run Kata 2+ and how to upgrade, whatever else
// is installed. On a newer engine the reason is the one the install gives.
TEST(PluginProbe, EveryKataVariantNamesWhyItCannotRunHere) {
  const std::string server = client().info().value("ServerVersion", "");
  for (const char* id : {"kata", "kata-qemu", "kata-clh"}) {
    auto p = probe_and_print(id).get<moat::ProbeResult>();
    EXPECT_EQ(p.details["diagnostics"]["dev_kvm"].value("present", false), std::filesystem::exists("/dev/kvm")) << id;
    if (server.rfind("20.", 0) != 0) continue;
    EXPECT_FALSE(p.available) << id;
    EXPECT_EQ(p.reason.rfind(std::string(id) + " is not usable here: Docker " + server + " cannot run Kata 2+", 0), 0u)
        << p.reason;
    EXPECT_NE(p.reason.find("upgrade to Docker >= 24"), std::string::npos) << p.reason;
    EXPECT_EQ(p.details["smoke"].value("ran", true), false) << id;
  }
}
