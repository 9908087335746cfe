// moat::support::run_process and Process: the host plugin's exec, every
// probe's tool runs and the tests' own children go through them.
#include <moat/error.hpp>
#include <moat/support/process.hpp>

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

using moat::support::ProcessRequest;
using moat::support::run_process;

namespace {

// run_process on `argv`, no deadline.
moat::support::ProcessResult run(std::vector<std::string> argv) {
  ProcessRequest r;
  r.argv = std::move(argv);
  return run_process(r);
}

}  // namespace

TEST(Process, KeepsStdoutAndStderrApartWithTheExitCode) {
  auto res = run({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(res.exit_code, 3);
  EXPECT_EQ(res.stdout_data, "out\n");
  EXPECT_EQ(res.stderr_data, "err\n");
  EXPECT_FALSE(res.timed_out);
  EXPECT_FALSE(res.spawn_failed);
}

TEST(Process, ArgvIsNotInterpretedByAShell) {
  auto res = run({"echo", "$HOME; rm -rf /", "a b"});
  EXPECT_EQ(res.exit_code, 0);
  EXPECT_EQ(res.stdout_data, "$HOME; rm -rf / a b\n");
}

TEST(Process, UsesCwdAndEnvironment) {
  ProcessRequest r;
  r.argv = {"/bin/sh", "-c", "pwd; echo \"$MOAT_X\""};
  r.cwd = "/tmp";
  r.env = std::vector<std::string>{"MOAT_X=42", "PATH=/usr/bin:/bin"};
  auto res = run_process(r);
  EXPECT_EQ(res.stdout_data, "/tmp\n42\n");
}

namespace {

// The pid a child's shell wrote to `file` (waits up to 5 s for it to appear).
pid_t pid_from(const std::filesystem::path& file) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    pid_t pid = 0;
    std::ifstream(file) >> pid;
    if (pid > 0 || std::chrono::steady_clock::now() >= until) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// True when `pid` is a zombie: dead, waiting for a parent that does not reap
// (an orphan's new parent, PID 1, does not reap everywhere, e.g. in some
// containers).
bool is_zombie(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

// True once `pid` is gone (kill(pid, 0) fails with ESRCH, or it is a zombie),
// waiting up to `grace` for it to be reaped.
bool gone_within(pid_t pid, std::chrono::milliseconds grace) {
  const auto until = std::chrono::steady_clock::now() + grace;
  for (;;) {
    if ((::kill(pid, 0) != 0 && errno == ESRCH) || is_zombie(pid)) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

TEST(Process, TimeoutKillsTheWholeProcessGroup) {
  moat::test::TempDir dir("moat-test-process");
  const auto pid_file = dir.path() / "grandchild.pid";
  ProcessRequest r;
  // The child starts a grandchild (and says which) that would live for 30 s.
  r.argv = {"/bin/sh", "-c", "sleep 30 & echo $! > \"$1\"; sleep 30", "sh", pid_file.string()};
  r.timeout = std::chrono::milliseconds(500);
  auto res = run_process(r);
  EXPECT_TRUE(res.timed_out);
  EXPECT_EQ(res.term_signal, SIGKILL);
  const pid_t grandchild = pid_from(pid_file);
  ASSERT_GT(grandchild, 0) << "the grandchild never reported its pid";
  const bool gone = gone_within(grandchild, std::chrono::seconds(2));
  if (!gone) ::kill(grandchild, SIGKILL);
  EXPECT_TRUE(gone) << "grandchild " << grandchild << " survived the timeout: only the child was killed";
}

TEST(Process, BackgroundedGrandchildDoesNotBlockTheResult) {
  moat::test::TempDir dir("moat-test-process");
  const auto pid_file = dir.path() / "grandchild.pid";
  ProcessRequest r;
  // The grandchild inherits stdout and stderr and keeps them open for 30 s.
  r.argv = {"/bin/sh", "-c", "sleep 30 & echo $! > \"$1\"; echo done", "sh", pid_file.string()};
  const auto started = std::chrono::steady_clock::now();
  auto res = run_process(r);
  const auto took = std::chrono::steady_clock::now() - started;
  const pid_t grandchild = pid_from(pid_file);
  if (grandchild > 0) ::kill(grandchild, SIGKILL);
  EXPECT_EQ(res.exit_code, 0);
  EXPECT_EQ(res.stdout_data, "done\n");
  EXPECT_FALSE(res.timed_out);
  // A correctness bound, not a performance goal: waiting on the grandchild
  // would take 30 s.
  EXPECT_LT(took, std::chrono::seconds(10)) << "the result waited for the grandchild holding the pipes";
}

TEST(Process, MissingProgramIsReportedNotThrown) {
  auto res = run({"moat-no-such-program-xyz"});
  EXPECT_TRUE(res.spawn_failed);
  EXPECT_EQ(res.exit_code, 127);
  EXPECT_NE(res.spawn_error.find("No such file"), std::string::npos) << res.spawn_error;
}

TEST(Process, SignalDeathIsDecoded) {
  auto res = run({"/bin/sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(res.term_signal, SIGTERM);
  EXPECT_EQ(res.exit_code, 128 + SIGTERM);
}

TEST(Process, EmptyArgvIsInvalid) {
  try {
    run_process(ProcessRequest{});
    FAIL() << "expected moat::Error";
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_INVALID);
  }
}

TEST(Process, FindInPath) {
  auto sh = moat::support::find_in_path("sh");
  ASSERT_TRUE(sh.has_value());
  EXPECT_TRUE(std::filesystem::path(*sh).is_absolute());
  EXPECT_FALSE(moat::support::find_in_path("moat-no-such-program-xyz").has_value());
}

TEST(Process, OutputToACallersDescriptor) {
  moat::test::TempDir dir("moat-test-process");
  const auto out = dir.path() / "out";
  const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  moat::support::SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "echo to-the-file; echo to-the-pipe >&2"};
  o.out = moat::support::Output::fd;
  o.out_fd = fd;
  moat::support::Process p(o);
  ::close(fd);
  std::string err;
  while (p.read_some(p.stderr_fd(), err, 1024)) {
  }
  p.reap();
  EXPECT_EQ(moat::support::exit_code_of(p.wait_status()), 0);
  EXPECT_EQ(err, "to-the-pipe\n");
  std::string line;
  std::getline(std::ifstream(out), line);
  EXPECT_EQ(line, "to-the-file");
}

TEST(Process, ReapingRecordsTheChildsResourceUsage) {
  moat::support::SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "exit 0"};
  o.out = o.err = moat::support::Output::null;
  moat::support::Process p(o);
  p.reap();
  EXPECT_GT(p.resource_usage().ru_maxrss, 0) << "no peak RSS of the child";
}
