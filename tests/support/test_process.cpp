// run_process: the host plugin's exec and every probe's tool runs go through it.
#include <moat/support/process.hpp>
#include <moat/error.hpp>

#include <gtest/gtest.h>

#include <filesystem>

using moat::support::ProcessRequest;
using moat::support::run_process;

TEST(Subprocess, KeepsStdoutAndStderrApartWithTheExitCode) {
  ProcessRequest r;
  r.argv = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3"};
  auto res = run_process(r);
  EXPECT_EQ(res.exit_code, 3);
  EXPECT_EQ(res.stdout_data, "out\n");
  EXPECT_EQ(res.stderr_data, "err\n");
  EXPECT_FALSE(res.timed_out);
  EXPECT_FALSE(res.spawn_failed);
}

TEST(Subprocess, ArgvIsNotInterpretedByAShell) {
  ProcessRequest r;
  r.argv = {"echo", "$HOME; rm -rf /", "a b"};
  auto res = run_process(r);
  EXPECT_EQ(res.exit_code, 0);
  EXPECT_EQ(res.stdout_data, "$HOME; rm -rf / a b\n");
}

TEST(Subprocess, UsesCwdAndEnvironment) {
  ProcessRequest r;
  r.argv = {"/bin/sh", "-c", "pwd; echo \"$MOAT_X\""};
  r.cwd = "/tmp";
  r.env = std::vector<std::string>{"MOAT_X=42", "PATH=/usr/bin:/bin"};
  auto res = run_process(r);
  EXPECT_EQ(res.stdout_data, "/tmp\n42\n");
}

TEST(Subprocess, TimeoutKillsTheWholeProcessGroup) {
  ProcessRequest r;
  // The child starts a grandchild that would hold the pipe open for 30 s.
  r.argv = {"/bin/sh", "-c", "sleep 30 & sleep 30"};
  r.timeout = std::chrono::milliseconds(300);
  auto res = run_process(r);
  EXPECT_TRUE(res.timed_out);
  EXPECT_EQ(res.term_signal, SIGKILL);
}

TEST(Subprocess, BackgroundedGrandchildDoesNotBlockTheResult) {
  ProcessRequest r;
  r.argv = {"/bin/sh", "-c", "sleep 5 & echo done"};
  auto res = run_process(r);
  EXPECT_EQ(res.exit_code, 0);
  EXPECT_EQ(res.stdout_data, "done\n");
  EXPECT_FALSE(res.timed_out);
}

TEST(Subprocess, MissingProgramIsReportedNotThrown) {
  ProcessRequest r;
  r.argv = {"moat-no-such-program-xyz"};
  auto res = run_process(r);
  EXPECT_TRUE(res.spawn_failed);
  EXPECT_EQ(res.exit_code, 127);
  EXPECT_NE(res.spawn_error.find("No such file"), std::string::npos) << res.spawn_error;
}

TEST(Subprocess, SignalDeathIsDecoded) {
  ProcessRequest r;
  r.argv = {"/bin/sh", "-c", "kill -TERM $$"};
  auto res = run_process(r);
  EXPECT_EQ(res.term_signal, SIGTERM);
  EXPECT_EQ(res.exit_code, 128 + SIGTERM);
}

TEST(Subprocess, EmptyArgvIsInvalid) {
  try {
    run_process(ProcessRequest{});
    FAIL() << "expected moat::Error";
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_INVALID);
  }
}

TEST(Subprocess, FindInPath) {
  auto sh = moat::support::find_in_path("sh");
  ASSERT_TRUE(sh.has_value());
  EXPECT_TRUE(std::filesystem::path(*sh).is_absolute());
  EXPECT_FALSE(moat::support::find_in_path("moat-no-such-program-xyz").has_value());
}
