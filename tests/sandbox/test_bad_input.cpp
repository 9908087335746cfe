// Bad input to `moat sandbox create`: one clear line on stderr ("moat: what
// is wrong ... what to do"), the sysexits code, and nothing in the engine.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

using namespace moat::sandbox_test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

TEST(BadInput, UnknownRuntime) {
  expect_create_refused("unknown-rt", {}, {69, "unknown runtime 'no-such' (known: "}, default_config(), "no-such");
}

TEST(BadInput, MissingImageLeavesNoVolumeBehind) {
  const std::string vol = unique_name("vol");
  expect_create_refused("no-image", {"--volume", vol + ":/data"},
                        {66, "image 'msb-missing:latest' is not in the Docker engine"}, default_config(), "runc",
                        "msb-missing:latest");
  for (const auto& v : client().list_volumes({}))
    EXPECT_NE(v.value("Name", ""), vol) << "the volume made for the request was removed again";
}

TEST(BadInput, MissingImageOption) {
  expect_create_refused("no-image-opt", {}, {64, "missing --image"}, default_config(), "runc", "");
}

TEST(BadInput, RelativeMountPath) {
  expect_create_refused("rel", {"-v", "relative/dir:/data"}, {65, "host path 'relative/dir' is relative"});
  expect_create_refused("rel-ws", {"--workspace", "ws"}, {65, "workspace: host path 'ws' is relative"});
}

TEST(BadInput, DotDotMountPath) {
  TempDir d("msb-dd");
  expect_create_refused("dotdot", {"-v", d.str() + "/../etc:/data"}, {65, "contains '..'"});
  expect_create_refused("dotdot-target", {"-v", d.str() + ":/data/../etc"}, {65, "contains '..'"});
  expect_create_refused("dotdot-home", {"--home", d.str() + "/.."}, {65, "home: host path"});
}

TEST(BadInput, MountModeAndShape) {
  TempDir d("msb-mode");
  expect_create_refused("mode", {"-v", d.str() + ":/data:rx"}, {64, "the mode must be ro or rw"});
  expect_create_refused("shape", {"-v", d.str()}, {64, "expected SRC:DST[:ro]"});
  expect_create_refused("target", {"-v", d.str() + ":relative"}, {65, "must be absolute"});
  expect_create_refused("missing-src", {"-v", d.str() + "/nope:/data"}, {65, "does not exist"});
}

TEST(BadInput, SymlinkEscapingAnAllowedRoot) {
  TempDir root("msb-root");
  TempDir outside("msb-outside");
  fs::create_directory_symlink(outside.path(), root.path() / "escape");
  const auto config = write_config("roots.json", {{"allowed_bind_roots", {root.str()}}});
  expect_create_refused("escape", {"--workspace", (root.path() / "escape").string()},
                        {65, "is outside the allowed bind roots"}, config);
  expect_create_refused("escape-v", {"-v", (root.path() / "escape").string() + ":/data"},
                        {65, "resolves to '" + outside.str() + "'"}, config);
  expect_create_refused("outside", {"--home", outside.str()},
                        {65, "outside the allowed bind roots (" + root.str() + ")"}, config);
}

TEST(BadInput, UserNames) {
  expect_create_refused("user-slash", {"--user", "a/b"}, {65, "contains '/'"});
  expect_create_refused("user-dotdot", {"--user", ".."}, {65, "would make the home directory escape /home"});
  expect_create_refused("user-long", {"--user", std::string(40, 'u')}, {65, "is not a valid user name"});
}

TEST(BadInput, SandboxNames) {
  ensure_base_image();
  for (const std::string& bad : std::vector<std::string>{"a/b", "../x", std::string(70, 'n'), "-x"}) {
    auto r = run_moat({"sandbox", "create", bad, "--runtime", "runc", "--image", kBaseImage});
    EXPECT_TRUE(r.exit_code == 65 || r.exit_code == 64) << bad << ": " << r.exit_code << " " << r.err;
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
  }
  auto r = run_moat({"sandbox", "exec", "a/b", "--", "true"});
  EXPECT_EQ(r.exit_code, 65) << r.err;
}

TEST(BadInput, BadKeyValues) {
  expect_create_refused("env", {"-e", "NOEQUALS"}, {64, "expected KEY=VALUE"});
  expect_create_refused("label", {"--label", "=v"}, {64, "expected KEY=VALUE"});
  expect_create_refused("reserved", {"--label", "moat.runtime=gvisor"}, {65, "is set by moat itself"});
}

TEST(BadInput, EngineDown) {
  const auto config =
      write_config("engine-down.json", {{"engine", {{"socket", (scratch() / "no-engine.sock").string()}}}});
  expect_create_refused("engine-down", {},
                        {69, "cannot reach the Docker engine at unix://" + (scratch() / "no-engine.sock").string()},
                        config);
  for (std::vector<std::string> args :
       {std::vector<std::string>{"sandbox", "exec", "msb-x", "--", "true"},
        std::vector<std::string>{"sandbox", "rm", "msb-x"}, std::vector<std::string>{"sandbox", "ls"}}) {
    auto r = run_moat(args, config);
    EXPECT_EQ(r.exit_code, 69) << args[1] << ": " << r.err;
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("cannot reach the Docker engine"), std::string::npos) << r.err;
  }
}

TEST(BadInput, RuntimeNotRegistered) {
  const auto config =
      write_config("unregistered.json", {{"plugins", {{"runc", {{"runtime_name", "msb-unregistered"}}}}}});
  expect_create_refused("unregistered", {}, {69, "runtime 'msb-unregistered' is not registered with the Docker engine"},
                        config);
}

TEST(BadInput, NoSuchSandbox) {
  for (const char* verb : {"start", "stop", "restart", "rm", "inspect", "logs"}) {
    auto r = run_moat({"sandbox", verb, "msb-does-not-exist"});
    EXPECT_EQ(r.exit_code, 66) << verb << ": " << r.err;
    EXPECT_EQ(lines(r.err),
              std::vector<std::string>{"moat: no sandbox named 'msb-does-not-exist' ('moat sandbox ls' lists them)"});
  }
  auto r = run_moat({"sandbox", "exec", "msb-does-not-exist", "--", "true"});
  EXPECT_EQ(r.exit_code, 66) << r.err;
}

}  // namespace
