// Kata as its users install it, without Kata or /dev/kvm: each test stages
// the files one install layout leaves (research: sysbox-kata-upstream-check.md)
// under the plugin's "host_root", and plays the engine of that host
// (ScriptedDocker: its Docker version, its registered runtimes, its kernel).
// What is real: the plugins' detection, the daemon.json they read, the shim
// they run for its version, the smoke container they send. What is not: the
// VM, so the smoke output is a guest kernel release the test picks.
#include "../../plugins/kata/kata_install.hpp"
#include "plugin_test_support.hpp"
#include "scripted_docker.hpp"
#include "staged_host.hpp"

#include <gtest/gtest.h>

#include <iostream>

using namespace moat::plugins_test;
using json = nlohmann::json;

namespace {

constexpr const char* kGuestKernel = "6.6.36-kata\n";
constexpr const char* kGoShim = "Kata Containers containerd shim (Golang): id: \"io.containerd.kata.v2\", version: ";
constexpr const char* kRustShim = "Kata Containers containerd shim (Rust): id: io.containerd.kata.v2, version: ";
constexpr const char* kDefaults = "/opt/kata/share/defaults/kata-containers/";

std::string hypervisor_config(const std::string& hv) {
  return "# Kata configuration\n[hypervisor." + hv + "]\npath = \"/opt/kata/bin/" + hv + "\"\n\n[runtime]\n";
}

EngineScript engine(const std::string& version, json runtimes = json::object()) {
  EngineScript e;
  e.server_version = version;
  e.runtimes = std::move(runtimes);
  e.smoke_stdout = [](const json&) { return std::string(kGuestKernel); };
  return e;
}

moat::ProbeResult probe(const std::string& id, const StagedHost& host, ScriptedDocker& docker,
                        json config = json::object()) {
  config.update(docker.engine_config());
  config["host_root"] = host.root();
  json j = open(id, config)->probe();
  std::cout << "probe " << id << ": " << j.dump(2) << "\n";
  return j.get<moat::ProbeResult>();
}

std::string smoke_runtime(ScriptedDocker& docker) {
  auto creates = docker.creates();
  return creates.empty() ? std::string() : creates.back()["HostConfig"].value("Runtime", "");
}

}  // namespace

TEST(KataInstall, ShimNamesFollowContainerdsRule) {
  EXPECT_EQ(moat::kata::shim_binary("io.containerd.kata.v2"), "containerd-shim-kata-v2");
  EXPECT_EQ(moat::kata::shim_binary("io.containerd.kata-fc.v2"), "containerd-shim-kata-fc-v2");
  EXPECT_EQ(moat::kata::shim_binary("io.containerd.run.kata.v2"), "containerd-shim-kata-v2");
  EXPECT_TRUE(moat::kata::is_shim_name("io.containerd.kata-qemu.v2"));
  EXPECT_FALSE(moat::kata::is_shim_name("kata-qemu"));
  EXPECT_FALSE(moat::kata::is_shim_name("/opt/kata/bin/containerd-shim-kata-v2"));
}

// kata-manager (Kata 3.x) links the Go shim and kata-runtime into /usr/bin:
// Docker >= 23 runs the shim by name, and /info does not list it.
TEST(KataInstall, KataManagerLinksTheShimOntoThePath) {
  StagedHost host;
  host.program("/usr/bin/containerd-shim-kata-v2", std::string(kGoShim) + "3.9.0, commit: abc\n");
  host.program("/usr/bin/kata-runtime", "kata-runtime  : 3.9.0\n");
  host.file(std::string(kDefaults) + "configuration.toml", hypervisor_config("qemu"));
  ScriptedDocker docker(engine("25.0.5"));
  auto p = probe("kata", host, docker);
  ASSERT_TRUE(p.available) << p.reason;
  EXPECT_EQ(p.engine_runtime, "io.containerd.kata.v2");
  EXPECT_EQ(p.version, "3.9.0");
  EXPECT_EQ(p.details["runtime"].value("hypervisor", ""), "qemu");
  EXPECT_EQ(smoke_runtime(docker), "io.containerd.kata.v2");
  EXPECT_EQ(p.details["smoke"].value("guest_kernel", ""), "6.6.36-kata");
  EXPECT_EQ(docker.live_containers(), 0);
}

// Kata's Docker guide: the tarball under /opt/kata, the shim registered by
// absolute path (not on PATH).
TEST(KataInstall, TheRegistrationFromKatasDockerGuideIsAccepted) {
  StagedHost host;
  host.program("/opt/kata/bin/containerd-shim-kata-v2", std::string(kGoShim) + "3.30.0\n");
  host.file(std::string(kDefaults) + "configuration.toml", hypervisor_config("qemu"));
  host.file("/etc/docker/daemon.json",
            R"({"runtimes": {"kata": {"runtimeType": "/opt/kata/bin/containerd-shim-kata-v2"}}})");
  ScriptedDocker docker(engine("27.3.1", {{"kata", {{"path", ""}}}}));
  auto p = probe("kata", host, docker);
  ASSERT_TRUE(p.available) << p.reason;
  EXPECT_EQ(p.engine_runtime, "kata");
  EXPECT_EQ(p.details["runtime"].value("shim", ""), "/opt/kata/bin/containerd-shim-kata-v2");
  EXPECT_EQ(smoke_runtime(docker), "kata");
}

// Kata 4.x's default tarball: the Rust shim only, no kata-runtime; each
// variant registered with its own ConfigPath.
TEST(KataInstall, Kata4RuntimeRsWithoutKataRuntimeServesEachVariant) {
  StagedHost host;
  const std::string shim = "/opt/kata/runtime-rs/bin/containerd-shim-kata-v2";
  host.program(shim, std::string(kRustShim) + "4.1.0\n");
  host.file(std::string(kDefaults) + "runtime-rs/configuration-qemu-runtime-rs.toml", hypervisor_config("qemu"));
  host.file(std::string(kDefaults) + "runtime-rs/configuration-cloud-hypervisor.toml", hypervisor_config("clh"));
  host.file(
      "/etc/docker/daemon.json",
      json{
          {"runtimes",
           {{"kata-qemu",
             {{"runtimeType", shim},
              {"options", {{"ConfigPath", std::string(kDefaults) + "runtime-rs/configuration-qemu-runtime-rs.toml"}}}}},
            {"kata-clh",
             {{"runtimeType", shim},
              {"options",
               {{"ConfigPath", std::string(kDefaults) + "runtime-rs/configuration-cloud-hypervisor.toml"}}}}}}}}
          .dump());
  ScriptedDocker docker(engine("28.0.1", {{"kata-qemu", {{"path", ""}}}, {"kata-clh", {{"path", ""}}}}));
  for (const char* id : {"kata-qemu", "kata-clh"}) {
    auto p = probe(id, host, docker);
    ASSERT_TRUE(p.available) << id << ": " << p.reason;
    EXPECT_EQ(p.engine_runtime, id);
    EXPECT_EQ(smoke_runtime(docker), id);
    EXPECT_TRUE(p.details["runtime"].value("rust_runtime", false));
    EXPECT_EQ(p.version, "4.1.0");
    EXPECT_EQ(p.details["diagnostics"].value("kata_runtime", ""),
              "not installed (optional: Kata 4.x's default tarball ships only the Rust shim)");
  }
}

// kata-deploy's per-hypervisor shims, found by containerd's naming rule.
TEST(KataInstall, KataDeployPerHypervisorShimIsFoundByName) {
  StagedHost host;
  host.program("/usr/local/bin/containerd-shim-kata-clh-v2", std::string(kGoShim) + "3.29.0\n");
  host.file(std::string(kDefaults) + "configuration-clh.toml", hypervisor_config("clh"));
  ScriptedDocker docker(engine("26.1.4"));
  auto p = probe("kata-clh", host, docker);
  ASSERT_TRUE(p.available) << p.reason;
  EXPECT_EQ(p.engine_runtime, "io.containerd.kata-clh.v2");
  EXPECT_EQ(smoke_runtime(docker), "io.containerd.kata-clh.v2");
}

TEST(KataInstall, DockerBefore23CannotRunKata2AndSaysHowToUpgrade) {
  StagedHost host;
  host.program("/usr/bin/containerd-shim-kata-v2", std::string(kGoShim) + "3.9.0\n");
  ScriptedDocker docker(engine("20.10.24+dfsg1"));
  auto p = probe("kata", host, docker);
  EXPECT_FALSE(p.available);
  EXPECT_EQ(p.reason.rfind("kata is not usable here: Docker 20.10.24+dfsg1 cannot run Kata 2+, a containerd shim", 0),
            0u)
      << p.reason;
  EXPECT_NE(p.reason.find("upgrade to Docker >= 24"), std::string::npos);
  EXPECT_TRUE(docker.creates().empty());
}

TEST(KataInstall, Docker26WithKataBefore329GivesLoopbackOnly) {
  StagedHost host;
  host.program("/usr/bin/containerd-shim-kata-v2", std::string(kGoShim) + "3.2.0\n");
  host.file(std::string(kDefaults) + "configuration.toml", hypervisor_config("qemu"));
  ScriptedDocker docker(engine("26.0.0"));
  auto p = probe("kata", host, docker);
  EXPECT_FALSE(p.available);
  EXPECT_NE(p.reason.find("Docker 26.0.0 with Kata 3.2.0 gives containers only a loopback interface "
                          "(kata-containers#9340): upgrade Kata to >= 3.29 (Go runtime)"),
            std::string::npos)
      << p.reason;
}

TEST(KataInstall, AVariantWhoseConfigSelectsAnotherHypervisorSaysWhichFileToUse) {
  StagedHost host;
  host.program("/opt/kata/bin/containerd-shim-kata-v2", std::string(kGoShim) + "3.30.0\n");
  host.file(std::string(kDefaults) + "configuration-clh.toml", hypervisor_config("clh"));
  host.file("/etc/docker/daemon.json",
            json{{"runtimes",
                  {{"kata-qemu",
                    {{"runtimeType", "/opt/kata/bin/containerd-shim-kata-v2"},
                     {"options", {{"ConfigPath", std::string(kDefaults) + "configuration-clh.toml"}}}}}}}}
                .dump());
  ScriptedDocker docker(engine("27.3.1", {{"kata-qemu", {{"path", ""}}}}));
  auto p = probe("kata-qemu", host, docker);
  EXPECT_FALSE(p.available);
  EXPECT_NE(p.reason.find("selects hypervisor 'clh', not 'qemu': set options.ConfigPath of 'kata-qemu' to Kata's "
                          "configuration-qemu.toml"),
            std::string::npos)
      << p.reason;
}

TEST(KataInstall, FirecrackerUnderDockerIsRefusedWithItsSource) {
  StagedHost host;
  host.program("/usr/bin/containerd-shim-kata-v2", std::string(kGoShim) + "3.30.0\n");
  host.file("/etc/kata-containers/configuration.toml", hypervisor_config("firecracker"));
  ScriptedDocker docker(engine("27.3.1"));
  auto p = probe("kata", host, docker);
  EXPECT_FALSE(p.available);
  EXPECT_NE(p.reason.find("selects Firecracker, which Kata refuses under Docker"), std::string::npos) << p.reason;
  EXPECT_NE(p.reason.find("kata-containers#10661"), std::string::npos) << p.reason;
}

TEST(KataInstall, AnOciPathRegistrationIsKata1Style) {
  StagedHost host;
  ScriptedDocker docker(engine("27.3.1", {{"kata", {{"path", "/usr/bin/kata-runtime"}}}}));
  auto p = probe("kata", host, docker);
  EXPECT_FALSE(p.available);
  EXPECT_NE(p.reason.find("runtime 'kata' is registered as an OCI runtime (\"path\": \"/usr/bin/kata-runtime\")"),
            std::string::npos)
      << p.reason;
}

TEST(KataInstall, NothingInstalledGivesTheRegistrationToAdd) {
  StagedHost host;
  ScriptedDocker docker(engine("27.3.1"));
  auto p = probe("kata-clh", host, docker);
  EXPECT_FALSE(p.available);
  EXPECT_NE(p.reason.find("no Kata runtime for kata-clh: none of kata-clh, io.containerd.kata-clh.v2 is registered"),
            std::string::npos)
      << p.reason;
  EXPECT_NE(p.reason.find(R"({"runtimes":{"kata-clh":{"options":{"ConfigPath":")"), std::string::npos) << p.reason;
}

// The decisive check: a VM has its own kernel.
TEST(KataInstall, ASmokeContainerOnTheHostsKernelIsNotKata) {
  StagedHost host;
  host.program("/usr/bin/containerd-shim-kata-v2", std::string(kGoShim) + "3.30.0\n");
  EngineScript e = engine("27.3.1");
  e.smoke_stdout = [kernel = e.kernel](const json&) { return kernel + "\n"; };
  ScriptedDocker docker(e);
  auto p = probe("kata", host, docker);
  EXPECT_FALSE(p.available);
  EXPECT_NE(p.reason.find("ran on the host's kernel (" + e.kernel + "), so it was not a Kata VM"), std::string::npos)
      << p.reason;
}

// What each variant makes this machine's real engine store, with a stand-in
// runtime in Kata's place (scripts/stand-in-runtime.sh registers runc as
// moat-test-not-sysbox) and "verify": false: Kata's runtime name, DinD on a
// tmpfs inside the guest, never privileged.
TEST(KataShape, EachVariantMakesTheEngineStoreItsContainerConfiguration) {
  if (!client().info().at("Runtimes").contains("moat-test-not-sysbox"))
    GTEST_SKIP() << "the engine has no runtime 'moat-test-not-sysbox': scripts/test.sh registers it for the test run";
  ensure_base_image();
  for (const char* id : {"kata", "kata-qemu", "kata-clh"}) {
    auto h = open(id, {{"runtime_name", "moat-test-not-sysbox"}, {"verify", false}});
    const std::string name = unique_name(std::string(id) + "-shape");
    SandboxCleanup cleanup(name);
    auto spec = base_spec(name);
    spec.dind = true;
    auto info = h->create(spec);
    EXPECT_EQ(info.engine_runtime, "moat-test-not-sysbox") << id;
    const json c = client().inspect_container(name);
    const json& hc = c["HostConfig"];
    std::cout << id << " stored HostConfig: " << hc.dump() << "\n";
    EXPECT_EQ(hc["Runtime"], "moat-test-not-sysbox") << id;
    EXPECT_EQ(hc["Privileged"], false) << id;
    bool tmpfs_store = false;
    for (const auto& m : hc["Mounts"])
      tmpfs_store = tmpfs_store || (m.value("Target", "") == "/var/lib/docker" && m.value("Type", "") == "tmpfs");
    EXPECT_TRUE(tmpfs_store) << id << ": " << hc["Mounts"];
    EXPECT_FALSE(hc["CapAdd"].is_null() || hc["CapAdd"].empty()) << id;
    EXPECT_EQ(c["Config"]["Labels"]["moat.runtime"], id);
    EXPECT_EQ(c["Config"]["Labels"]["moat.engine-runtime"], "moat-test-not-sysbox");
    // Without verify=false the same create is refused before anything exists.
    auto checked = open(id, {{"runtime_name", "moat-test-not-sysbox"}});
    const std::string refused = unique_name(std::string(id) + "-refused");
    SandboxCleanup refused_cleanup(refused);
    auto e = expect_error([&] { checked->create(base_spec(refused)); });
    EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::string(id) + " is not available: "), std::string::npos) << e.what();
    EXPECT_TRUE(engine_objects_of(refused).empty());
    h->remove(name);
    EXPECT_TRUE(engine_objects_of(name).empty());
  }
}

// No network is hot-plugged into a running Kata VM (kata-containers PR
// #11749): refused naming why, while a stopped sandbox is connected as usual.
TEST(KataShape, ANetworkIsNotConnectedToARunningVm) {
  if (!client().info().at("Runtimes").contains("moat-test-not-sysbox"))
    GTEST_SKIP() << "the engine has no runtime 'moat-test-not-sysbox': scripts/test.sh registers it for the test run";
  ensure_base_image();
  auto h = open("kata-clh", {{"runtime_name", "moat-test-not-sysbox"}, {"verify", false}});
  const std::string name = unique_name("kata-net");
  SandboxCleanup cleanup(name);
  auto spec = base_spec(name);
  spec.options["start"] = true;
  ASSERT_TRUE(h->create(spec).running);
  auto e = expect_error([&] { h->connect_network(name, "bridge"); });
  EXPECT_EQ(e.status(), MOAT_E_UNSUPPORTED) << e.what();
  EXPECT_NE(std::string(e.what()).find("runs in a Kata VM, which cannot connect it to network 'bridge' while it runs"),
            std::string::npos)
      << e.what();
  e = expect_error([&] { h->disconnect_network(name, "bridge"); });
  EXPECT_EQ(e.status(), MOAT_E_UNSUPPORTED) << e.what();
  h->stop(name, 5);
  h->disconnect_network(name, "bridge");
  EXPECT_TRUE(h->inspect(name).networks.empty());
  h->connect_network(name, "bridge");
  EXPECT_EQ(h->inspect(name).networks, std::vector<std::string>{"bridge"});
  h->remove(name);
}
