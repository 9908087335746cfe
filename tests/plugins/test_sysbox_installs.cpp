// Sysbox as its users install it, without Sysbox: each test stages the files
// a Sysbox CE .deb leaves (sysbox-runc, the daemons' sockets, the mount
// table) under the plugin's "host_root" and plays the engine of that host
// (ScriptedDocker). What is real here: the plugin's own detection code, its
// engine client, and the smoke container's configuration it sends. What is
// not: Sysbox itself, so the smoke output is the one Sysbox documents
// (uid_map "0 165536 65536", docs/user-guide/security.md).
#include "plugin_test_support.hpp"
#include "scripted_docker.hpp"
#include "staged_host.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <iostream>

using namespace moat::plugins_test;
using json = nlohmann::json;

namespace {

constexpr const char* kVersionOutput =
    "sysbox-runc\n\tedition: \tCommunity Edition (CE)\n\tversion: \t0.6.4\n\tcommit: \tabc\n";

// What `sysbox-ce_0.6.4.linux_amd64.deb` leaves on an ext4 host with its
// daemons running.
void stage_ce_install(StagedHost& host) {
  host.program("/usr/bin/sysbox-runc", kVersionOutput);
  host.socket("/run/sysbox/sysmgr.sock");
  host.socket("/run/sysbox/sysfs.sock");
  host.mounts({{"/", "ext4"}});
}

EngineScript sysbox_engine(const std::string& kernel = "6.8.0-45-generic") {
  EngineScript e;
  e.kernel = kernel;
  e.runtimes = {{"sysbox-runc", {{"path", "/usr/bin/sysbox-runc"}}}};
  // Sysbox's user namespace, and a bound file keeping its owner (ID-mapped mount).
  e.smoke_stdout = [](const json&) {
    return "         0     165536      65536\n--\n" + std::to_string(::getuid()) + "\n";
  };
  return e;
}

moat::ProbeResult probe(const StagedHost& host, ScriptedDocker& engine) {
  json config = engine.engine_config();
  config["host_root"] = host.root();
  json j = open("sysbox", config)->probe();
  std::cout << "probe: " << j.dump(2) << "\n";
  return j.get<moat::ProbeResult>();
}

bool has_warning(const moat::ProbeResult& p, const std::string& part) {
  for (const auto& w : p.details.value("warnings", json::array()))
    if (w.get<std::string>().find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(SysboxInstall, CeDebOnExt4IsAvailableAndTheSmokeBindsAFile) {
  StagedHost host;
  stage_ce_install(host);
  ScriptedDocker engine(sysbox_engine());
  auto p = probe(host, engine);
  ASSERT_TRUE(p.available) << p.reason;
  EXPECT_EQ(p.version, "0.6.4");
  EXPECT_EQ(p.details["check3_daemons"].value("/run/sysbox/sysmgr.sock", ""), "present");
  EXPECT_TRUE(p.details["smoke"]["bound_file"].value("owner_kept", false));
  EXPECT_FALSE(p.details.contains("warnings")) << p.details.dump();
  // The smoke container the engine received: Sysbox's runtime, unprivileged,
  // one read-only bind of a file, removed afterwards.
  const auto creates = engine.creates();
  ASSERT_EQ(creates.size(), 1u);
  const json& hc = creates[0]["HostConfig"];
  EXPECT_EQ(hc.value("Runtime", ""), "sysbox-runc");
  EXPECT_EQ(hc.value("Privileged", true), false);
  ASSERT_EQ(hc["Binds"].size(), 1u);
  const std::string bind = hc["Binds"][0];
  EXPECT_NE(bind.find(":/moat-bound:ro"), std::string::npos) << bind;
  EXPECT_FALSE(std::filesystem::exists(bind.substr(0, bind.find(':')))) << "the probe's bound file was left behind";
  EXPECT_EQ(engine.live_containers(), 0);
}

// sysbox-mgr makes /run/sysbox 0700, so a docker-group user cannot stat the
// sockets: that is not "not running"; the smoke sandbox decides.
TEST(SysboxInstall, SocketsANonRootUserCannotSeeDoNotMakeItUnavailable) {
  StagedHost host;
  stage_ce_install(host);
  host.chmod("/run/sysbox", 0000);
  ScriptedDocker engine(sysbox_engine());
  moat::ProbeResult p;
  {
    NoPermissionBypass as_a_user;
    p = probe(host, engine);
  }
  ASSERT_TRUE(p.available) << p.reason;
  EXPECT_EQ(p.details["check3_daemons"].value("/run/sysbox/sysmgr.sock", ""), "permission denied");
  EXPECT_NE(p.details["check3_daemons"].value("note", "").find("the service state and the smoke sandbox decide"),
            std::string::npos);
}

TEST(SysboxInstall, MissingDaemonSocketsFailCheck3WithTheFix) {
  StagedHost host;
  host.program("/usr/bin/sysbox-runc", kVersionOutput);
  host.mounts({{"/", "ext4"}});
  ScriptedDocker engine(sysbox_engine());
  auto p = probe(host, engine);
  EXPECT_FALSE(p.available);
  EXPECT_EQ(p.reason.rfind("check 3 failed: the Sysbox daemons are not running (/run/sysbox/sysmgr.sock is missing); "
                           "start them with 'systemctl start sysbox'",
                           0),
            0u)
      << p.reason;
  EXPECT_TRUE(engine.creates().empty()) << "no smoke sandbox after a failed check";
}

TEST(SysboxInstall, StateOnAnUnsupportedFilesystemIsReportedAndExplainsAFailedSmoke) {
  StagedHost host;
  stage_ce_install(host);
  host.mounts({{"/", "ext4"}, {"/var/lib/docker", "xfs"}, {"/var/lib/sysbox", "overlay"}});
  EngineScript e = sysbox_engine();
  e.smoke_exit = 1;
  ScriptedDocker engine(e);
  auto p = probe(host, engine);
  EXPECT_FALSE(p.available);
  EXPECT_EQ(p.details["host_requirements"]["filesystems"]["/var/lib/docker"].value("type", ""), "xfs");
  EXPECT_TRUE(has_warning(p, "/var/lib/sysbox is on overlay: Sysbox needs ext4 or btrfs there")) << p.details.dump();
  EXPECT_NE(p.reason.find("check 4 failed"), std::string::npos) << p.reason;
  EXPECT_NE(p.reason.find("/var/lib/docker is on xfs: Sysbox needs ext4 or btrfs there"), std::string::npos)
      << p.reason;
}

TEST(SysboxInstall, DockerFromASnapIsReported) {
  StagedHost host;
  stage_ce_install(host);
  EngineScript e = sysbox_engine();
  e.docker_root_dir = "/var/snap/docker/common/var-lib-docker";
  ScriptedDocker engine(e);
  auto p = probe(host, engine);
  EXPECT_TRUE(p.details["host_requirements"].value("docker_from_snap", false));
  EXPECT_TRUE(has_warning(p, "Docker is installed as a snap, which Sysbox does not support")) << p.details.dump();
}

// Kernel 5.10 without shiftfs: bound files show as nobody inside, which the
// smoke sandbox sees and the probe reports with the rule.
TEST(SysboxInstall, BoundFilesShowingAsNobodyAreReportedWithTheOwnershipRule) {
  StagedHost host;
  stage_ce_install(host);
  EngineScript e = sysbox_engine("5.10.0-32-amd64");
  e.smoke_stdout = [](const json&) { return std::string("0 165536 65536\n--\n65534\n"); };
  ScriptedDocker engine(e);
  auto p = probe(host, engine);
  ASSERT_TRUE(p.available) << p.reason;
  const json& req = p.details["host_requirements"]["bind_mount_ownership"];
  EXPECT_FALSE(req.value("idmapped_mounts", true));
  EXPECT_FALSE(req.value("shiftfs_module", true));
  EXPECT_FALSE(p.details["smoke"]["bound_file"].value("owner_kept", true));
  EXPECT_TRUE(has_warning(p, "shows as uid 65534 inside")) << p.details.dump();
  EXPECT_TRUE(has_warning(p,
                          "ID-mapped mounts (kernel >= 5.12; for files on tmpfs >= 6.3) or shiftfs (needed "
                          "below 5.12)"));
}

TEST(SysboxInstall, TheOwnershipRuleIsTheSameInTheNotes) {
  auto c = open("sysbox")->describe();
  bool stated = false;
  for (const auto& n : c.notes)
    stated = stated || n.find(
                           "ID-mapped mounts (kernel >= 5.12; for files on tmpfs >= 6.3) or shiftfs (needed below "
                           "5.12)") != std::string::npos;
  EXPECT_TRUE(stated);
}
