// A sandbox name is one sandbox, whatever the runtime: asking for a name a
// second runtime already has is refused before anything is made (issue #11,
// point 5). And the engine moat talks to: a configured engine.socket wins over
// DOCKER_HOST; a DOCKER_HOST moat cannot use is one clear line and a sysexits
// code on every command that reaches the engine, never a crash.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

using namespace moat::sandbox_test;

namespace {

std::vector<std::string> create_args(const std::string& name, const std::string& runtime) {
  std::vector<std::string> args = {"sandbox", "create", name, "--runtime", runtime, "--image", kBaseImage, "--start"};
  for (const auto& a : run_label()) args.push_back(a);
  return args;
}

// `second` is refused with a conflict naming `first`; the first sandbox is
// untouched; removing it leaves nothing of the name anywhere.
void expect_second_runtime_refused(const std::string& first, const std::string& second) {
  ensure_base_image();
  const std::string name = unique_name("twice-" + first + "-" + second);
  Cleanup cleanup(name);
  auto made = run_moat(create_args(name, first));
  ASSERT_EQ(made.exit_code, 0) << made.err;

  auto refused = run_moat(create_args(name, second));
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  const auto err = lines(refused.err);
  ASSERT_EQ(err.size(), 1u) << "exactly one line: " << refused.err;
  EXPECT_EQ(err[0], "moat: sandbox '" + name + "' already exists on runtime '" + first +
                        "'; a name is one sandbox: pick another name or remove it first (moat sandbox rm " + name +
                        ")");
  EXPECT_TRUE(refused.out.empty()) << refused.out;

  auto inspect = run_moat({"-o", "json", "sandbox", "inspect", name});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(nlohmann::json::parse(inspect.out).at("sandbox").value("runtime", ""), first) << inspect.out;
  auto ls = run_moat({"-o", "json", "sandbox", "ls"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  int rows = 0;
  const auto listing = nlohmann::json::parse(ls.out);  // alive for the loop
  for (const auto& row : listing.at("sandboxes"))
    if (row.value("name", "") == name) ++rows;
  EXPECT_EQ(rows, 1) << "one sandbox of that name: " << ls.out;

  auto rm = run_moat({"sandbox", "rm", name});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(run_moat({"sandbox", "inspect", name}).exit_code, 66);
  EXPECT_TRUE(engine_objects_of(name).empty());
}

TEST(SameNameTwoRuntimes, RuncThenGvisorIsRefused) { expect_second_runtime_refused("runc", "gvisor"); }

TEST(SameNameTwoRuntimes, RuncThenHostIsRefused) { expect_second_runtime_refused("runc", "host"); }

TEST(SameNameTwoRuntimes, HostThenRuncIsRefused) { expect_second_runtime_refused("host", "runc"); }

// DOCKER_HOST=tcp://... in the environment and engine.socket in the
// configuration: moat uses the socket and never trips over DOCKER_HOST.
TEST(EngineEnv, ConfiguredSocketWinsOverDockerHost) {
  ensure_base_image();
  const auto config = write_config("socket-over-docker-host.json",
                                   {{"engine", {{"socket", "/var/run/docker.sock"}}},
                                    {"plugins", {{"host", {{"state_dir", (scratch() / "host-state").string()}}}}}});
  moat::test::RunOptions env;
  env.env["DOCKER_HOST"] = "tcp://127.0.0.1:1";
  const std::string name = unique_name("docker-host-tcp");
  Cleanup cleanup(name);
  auto made = run_moat(create_args(name, "runc"), config, env);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto exec = run_moat({"sandbox", "exec", name, "--", "echo", "hi"}, config, env);
  EXPECT_EQ(exec.exit_code, 0) << exec.err;
  EXPECT_EQ(exec.out, "hi\n");
  auto gc = run_moat({"gc", "--run-id", std::string(kRunId) + "-none", "--dry-run"}, config, env);
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  auto rm = run_moat({"sandbox", "rm", name}, config, env);
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_TRUE(engine_objects_of(name).empty());
}

// DOCKER_HOST with a scheme moat does not speak (and no engine.socket): one
// line naming the value and what to do, a sysexits code, nothing created.
TEST(EngineEnv, UnsupportedDockerHostIsOneClearLine) {
  for (const std::string value :
       {"ssh://user@example", "npipe:////./pipe/docker_engine", "garbage", "unix://relative"}) {
    SCOPED_TRACE(value);
    moat::test::RunOptions env;
    env.env["DOCKER_HOST"] = value;
    env.kill_after = std::chrono::seconds(60);
    const std::string name = unique_name("docker-host-bad");
    Cleanup cleanup(name);
    for (const auto& args : std::vector<std::vector<std::string>>{
             create_args(name, "runc"),
             {"gc", "--dry-run"},
             {"image", "prepare", "base"},
             {"bench", "--runtimes", "runc", "--suite", "boot", "--out", (scratch() / "bench-bad-host").string()}}) {
      auto r = run_moat(args, default_config(), env);
      EXPECT_EQ(r.exit_code, 65) << args[0] << ": " << r.err;
      EXPECT_EQ(r.signal, 0);
      const auto err = lines(r.err);
      ASSERT_EQ(err.size(), 1u) << args[0] << ": exactly one line: " << r.err;
      EXPECT_EQ(err[0].rfind("moat: ", 0), 0u) << err[0];
      EXPECT_TRUE(r.out.empty()) << r.out;
      EXPECT_NE(err[0].find("DOCKER_HOST=" + value), std::string::npos) << err[0];
      EXPECT_NE(err[0].find("unix://"), std::string::npos) << "says what to do: " << err[0];
    }
    EXPECT_TRUE(engine_objects_of(name).empty());
  }
  EXPECT_FALSE(std::filesystem::exists(scratch() / "bench-bad-host" / "results.jsonl")) << "nothing was measured";
}

}  // namespace
