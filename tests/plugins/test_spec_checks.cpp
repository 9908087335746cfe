// Spec validation: each violation is one line naming the field.
#include <moat/error.hpp>
#include <moat/spec_fields.hpp>
#include <moat/support/spec_checks.hpp>

#include <gtest/gtest.h>

#include <algorithm>

using moat::SandboxSpec;

namespace {

std::string invalid_message(const SandboxSpec& spec) {
  try {
    moat::support::check_common_spec(spec);
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_INVALID);
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "not one line: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "spec was accepted";
  return {};
}

SandboxSpec named(const std::string& n) {
  SandboxSpec s;
  s.name = n;
  return s;
}

}  // namespace

TEST(SpecChecks, SandboxNames) {
  EXPECT_NO_THROW(moat::support::check_sandbox_name("a"));
  EXPECT_NO_THROW(moat::support::check_sandbox_name("dev-box_1.x"));
  EXPECT_NO_THROW(moat::support::check_sandbox_name(std::string(63, 'a')));
  for (const char* bad : {"", "-a", ".a", "_a", "a/b", "a b", "a:b", "ä"})
    EXPECT_THROW(moat::support::check_sandbox_name(bad), moat::Error) << bad;
  EXPECT_THROW(moat::support::check_sandbox_name(std::string(64, 'a')), moat::Error);
  EXPECT_NE(invalid_message(named("a/b")).find("name:"), std::string::npos);
}

TEST(SpecChecks, UserNames) {
  auto s = named("x");
  s.user = "a/b";
  EXPECT_NE(invalid_message(s).find("contains '/'"), std::string::npos);
  s.user = "..";
  EXPECT_NE(invalid_message(s).find("user:"), std::string::npos);
  s.user = ".";
  invalid_message(s);
  s.user = "-x";
  invalid_message(s);
  s.user = "dev";
  EXPECT_NO_THROW(moat::support::check_common_spec(s));
  EXPECT_EQ(moat::support::home_target(""), "/root");
  EXPECT_EQ(moat::support::home_target("dev"), "/home/dev");
}

TEST(SpecChecks, HostPaths) {
  auto s = named("x");
  s.workspace = "relative/dir";
  EXPECT_NE(invalid_message(s).find("workspace: host path 'relative/dir' is relative"), std::string::npos);
  s.workspace = "/tmp/../etc";
  EXPECT_NE(invalid_message(s).find("contains '..'"), std::string::npos);
  s.workspace = "/nonexistent-moat-dir";
  EXPECT_NE(invalid_message(s).find("'/nonexistent-moat-dir' does not exist"), std::string::npos);
  s.workspace = "/etc/hostname";
  EXPECT_NE(invalid_message(s).find("not a directory"), std::string::npos);
  s.workspace = "/tmp";
  EXPECT_NO_THROW(moat::support::check_common_spec(s));
  // ".." inside a name is not a ".." component.
  s.workspace = "/tmp/..x";
  EXPECT_NE(invalid_message(s).find("does not exist"), std::string::npos);
}

TEST(SpecChecks, Mounts) {
  auto s = named("x");
  s.mounts = {{"bind", "/tmp", "data", false}};
  EXPECT_NE(invalid_message(s).find("mounts[0].target"), std::string::npos);
  s.mounts = {{"bind", "/tmp", "/", false}};
  invalid_message(s);
  s.mounts = {{"bind", "tmp", "/data", false}};
  EXPECT_NE(invalid_message(s).find("mounts[0].source"), std::string::npos);
  s.mounts = {{"volume", "bad/name", "/data", false}};
  invalid_message(s);
  s.mounts = {{"tmpfs", "x", "/data", false}};
  invalid_message(s);
  s.mounts = {{"nfs", "", "/data", false}};
  EXPECT_NE(invalid_message(s).find("mounts[0].type"), std::string::npos);
  s.mounts = {{"bind", "/tmp", "/data", true}, {"tmpfs", "", "/data/", false}};
  EXPECT_NE(invalid_message(s).find("already a mount target"), std::string::npos);
  s.workspace = "/tmp";
  s.mounts = {{"volume", "v1", "/workspace", false}};
  invalid_message(s);
  s.mounts = {{"bind", "/tmp", "/data", true}, {"volume", "v1", "/var/lib/x", false}, {"tmpfs", "", "/run/x", false}};
  EXPECT_NO_THROW(moat::support::check_common_spec(s));
}

TEST(SpecChecks, EnvNames) {
  auto s = named("x");
  s.env = {{"A=B", "c"}};
  invalid_message(s);
  s.env = {{"", "c"}};
  invalid_message(s);
  s.env = {{"GOOD", "a=b"}};
  EXPECT_NO_THROW(moat::support::check_common_spec(s));
}

// ---- ABI 1.1 fields ------------------------------------------------------------

TEST(SpecChecks, LimitsRestartPoliciesAndPorts) {
  auto with = [](auto edit) {
    SandboxSpec s = named("box");
    edit(s);
    return s;
  };
  EXPECT_NO_THROW(moat::support::check_common_spec(with([](SandboxSpec& s) {
    s.limits = {1.5, 64LL << 20, 100};
    s.restart = "on-failure:3";
    s.ports = {{8080, 0, "127.0.0.1", "tcp"}, {53, 5353, "::1", "udp"}, {8080, 8081, "", "tcp"}};
  })));
  for (const char* ok : {"", "no", "always", "unless-stopped", "on-failure", "on-failure:0"})
    EXPECT_NO_THROW(moat::support::check_restart_policy(ok)) << ok;

  EXPECT_NE(invalid_message(with([](SandboxSpec& s) { s.limits.cpus = 0; })).find("limits.cpus:"), std::string::npos);
  EXPECT_NE(invalid_message(with([](SandboxSpec& s) { s.limits.memory_bytes = 1 << 20; })).find("at least 6m"),
            std::string::npos);
  EXPECT_NE(invalid_message(with([](SandboxSpec& s) { s.limits.pids = 0; })).find("limits.pids:"), std::string::npos);
  for (const char* bad : {"sometimes", "on-failure:", "on-failure:x", "always:2", "on-failure:-1"})
    EXPECT_NE(invalid_message(with([&](SandboxSpec& s) { s.restart = bad; })).find("restart: '"), std::string::npos)
        << bad;
  EXPECT_NE(invalid_message(with([](SandboxSpec& s) {
              s.ports = {{0, 80, "", "tcp"}};
            })).find("ports[0].container_port"),
            std::string::npos);
  EXPECT_NE(invalid_message(with([](SandboxSpec& s) {
              s.ports = {{80, 0, "", "icmp"}};
            })).find("ports[0].protocol"),
            std::string::npos);
  EXPECT_NE(invalid_message(with([](SandboxSpec& s) {
              s.ports = {{80, 0, "localhost", "tcp"}};
            })).find("ports[0].host_ip: 'localhost' is not an IP address"),
            std::string::npos);
  EXPECT_NE(invalid_message(with([](SandboxSpec& s) {
              s.ports = {{80, 8080, "", "tcp"}, {81, 8080, "", "tcp"}};
            })).find("ports[1].host_port: 8080/tcp is published twice"),
            std::string::npos);
}

TEST(SpecWire, Abi11FieldsRoundTripAndAreAbsentWhenUnset) {
  SandboxSpec s = named("box");
  nlohmann::json plain = s;
  for (const char* key : {"entrypoint", "limits", "restart", "ports"})
    EXPECT_FALSE(plain.contains(key)) << key << ": a 1.0 plugin must see the request it always saw";
  s.entrypoint = std::vector<std::string>{};
  s.limits = {0.5, 64LL << 20, std::nullopt};
  s.restart = "always";
  s.ports = {{8080, 0, "127.0.0.1", "udp"}};
  const auto back = nlohmann::json(s).get<SandboxSpec>();
  ASSERT_TRUE(back.entrypoint.has_value());
  EXPECT_TRUE(back.entrypoint->empty()) << "an empty entrypoint (clear the image's) is not an unset one";
  EXPECT_EQ(back.limits.cpus, 0.5);
  EXPECT_EQ(back.limits.memory_bytes, 64LL << 20);
  EXPECT_FALSE(back.limits.pids.has_value());
  EXPECT_EQ(back.restart, "always");
  ASSERT_EQ(back.ports.size(), 1u);
  EXPECT_EQ(back.ports[0].container_port, 8080);
  EXPECT_EQ(back.ports[0].host_ip, "127.0.0.1");
  EXPECT_EQ(back.ports[0].protocol, "udp");
}

TEST(SpecFields, WhatARequestUsesIsWhatItSets) {
  SandboxSpec s = named("box");
  s.image = "img";
  EXPECT_TRUE(moat::spec_fields_in_use(s).empty()) << "name, runtime and image are not optional fields";
  s.hostname = "h";
  s.limits.memory_bytes = 64LL << 20;
  s.restart = "no";  // the default, spelled out
  s.ports = {{80, 0, "", "tcp"}};
  EXPECT_EQ(moat::spec_fields_in_use(s), (std::vector<std::string>{"hostname", "limits.memory", "ports"}));
  // Every name a request can use is one a plugin can declare.
  for (const auto& f : moat::spec_fields_in_use(s))
    EXPECT_NE(std::find(moat::all_spec_fields().begin(), moat::all_spec_fields().end(), f),
              moat::all_spec_fields().end())
        << f;
}
