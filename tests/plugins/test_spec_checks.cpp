// Spec validation: each violation is one line naming the field.
#include <moat/error.hpp>
#include <moat/support/spec_checks.hpp>

#include <gtest/gtest.h>

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
