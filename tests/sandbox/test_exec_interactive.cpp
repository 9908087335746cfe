// moat sandbox exec -i / -it on the real engine (issue #13, ABI 1.1
// sandbox_exec_interactive): piped stdin reaches the command and its end
// closes the command's; tmux drives `exec -it` as a person would (typing,
// a resize, Ctrl-C reaching the process inside, the exit code passed
// through); on runc, gVisor and host in moat's process, and on runc through
// a broker (the input as frames on its pipe); and what cannot be done is
// refused with one line.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <signal.h>
#include <unistd.h>

using namespace moat::sandbox_test;
namespace fs = std::filesystem;

namespace {

// "runc", "gvisor": in moat's process; "runc-broker": runc's plugin in a broker.
class Interactive : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ensure_base_image();
    const std::string& param = GetParam();
    const std::string suffix = "-broker";
    const bool brokered = param.size() > suffix.size() && param.ends_with(suffix);
    runtime_ = brokered ? param.substr(0, param.size() - suffix.size()) : param;
    config_ = brokered ? write_config("brokered-" + runtime_ + ".json",
                                      {{"plugin_host", {{"isolation", {{runtime_, "process"}}}}},
                                       {"plugins", {{"host", {{"state_dir", (scratch() / "host-state").string()}}}}}})
                       : default_config();
    name_ = unique_name("it-" + param);
    cleanup_.add(name_);
    std::vector<std::string> args = {"sandbox", "create",  name_,      "--runtime",
                                     runtime_,  "--image", kBaseImage, "--start"};
    for (const auto& a : run_label()) args.push_back(a);
    auto created = run_moat(args, config_);
    ASSERT_EQ(created.exit_code, 0) << created.err;
  }
  void TearDown() override { run_moat({"sandbox", "rm", name_}, config_); }

  [[nodiscard]] moat::test::ProcessResult with_stdin(std::vector<std::string> args, std::string input) const {
    moat::test::RunOptions options;
    options.stdin_data = std::move(input);
    return run_moat(std::move(args), config_, options);
  }
  [[nodiscard]] moat::test::ProcessResult run(std::vector<std::string> args,
                                              moat::test::RunOptions options = {}) const {
    return run_moat(std::move(args), config_, std::move(options));
  }

  std::string runtime_;
  fs::path config_;
  std::string name_;
  Cleanup cleanup_;
};

moat::test::ProcessResult with_stdin(std::vector<std::string> args, std::string input) {
  moat::test::RunOptions options;
  options.stdin_data = std::move(input);
  return run_moat(std::move(args), default_config(), options);
}

// tmux on a socket of this test's own, so no other tmux is touched.
class Tmux {
 public:
  explicit Tmux(std::string session) : socket_(session), session_(std::move(session)) {}
  ~Tmux() { run({"kill-server"}); }
  Tmux(const Tmux&) = delete;
  Tmux& operator=(const Tmux&) = delete;

  moat::test::ProcessResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), {"tmux", "-L", socket_});
    return moat::test::run_process(args);
  }
  void keys(const std::vector<std::string>& keys) const {
    std::vector<std::string> args = {"send-keys", "-t", session_};
    args.insert(args.end(), keys.begin(), keys.end());
    run(args);
  }
  [[nodiscard]] std::string screen() const { return run({"capture-pane", "-p", "-t", session_}).out; }
  // Waits (up to 20 s, a safety net) for `text` on the screen.
  [[nodiscard]] bool shows(const std::string& text) const {
    for (int i = 0; i < 200; ++i) {
      if (screen().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  [[nodiscard]] const std::string& session() const { return session_; }

 private:
  std::string socket_;
  std::string session_;
};

}  // namespace

TEST_P(Interactive, PipedStdinReachesTheCommandAndItsEndClosesIt) {
  auto cat = with_stdin({"sandbox", "exec", "-i", name_, "--", "cat"}, "hi\nthere\n");
  EXPECT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_EQ(cat.out, "hi\nthere\n");

  // 1 MiB in, counted inside: nothing lost or held back.
  auto counted = with_stdin({"sandbox", "exec", "-i", name_, "--", "wc", "-c"}, std::string(1 << 20, 'x'));
  EXPECT_EQ(counted.exit_code, 0) << counted.err;
  EXPECT_NE(counted.out.find("1048576"), std::string::npos) << counted.out;

  // The command's exit code is moat's, and its stderr stays stderr.
  auto coded =
      with_stdin({"sandbox", "exec", "-i", name_, "--", "sh", "-c", "read a; echo got-$a >&2; exit 7"}, "line\n");
  EXPECT_EQ(coded.exit_code, 7);
  EXPECT_EQ(coded.err, "got-line\n");

  // No stdin at all (-i with /dev/null): the command sees its end at once.
  auto empty = run({"sandbox", "exec", "-i", name_, "--", "cat"});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "");

  // Ctrl-C (SIGINT to moat, no terminal): 130, and nothing of it lives on inside.
  moat::test::RunOptions interrupt;
  interrupt.on_started = [](int pid) {
    std::thread([pid] {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      ::kill(pid, SIGINT);
    }).detach();
  };
  auto stopped = run({"sandbox", "exec", "-i", name_, "--", "sh", "-c", "sleep 123; echo never"}, interrupt);
  EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
  EXPECT_EQ(stopped.out, "");
  // A host sandbox's ps is the host's procps, which needs -e for every process.
  const std::vector<std::string> ps =
      runtime_ == "host" ? std::vector<std::string>{"ps", "-eo", "args"} : std::vector<std::string>{"ps"};
  std::vector<std::string> ps_args = {"sandbox", "exec", name_, "--"};
  ps_args.insert(ps_args.end(), ps.begin(), ps.end());
  EXPECT_EQ(run(ps_args).out.find("sleep 123"), std::string::npos);
}

TEST_P(Interactive, TmuxDrivesAShellAsAPersonWould) {
  const std::string session = "msb-tmux-" + std::to_string(::getpid()) + "-" + GetParam();
  Tmux tmux(session);
  // The moat process as the test harness runs it, in a terminal of tmux's;
  // after it ends the pane says its exit code.
  const std::string home = (scratch() / "home").string();
  const std::string command = "env HOME=" + home + " XDG_CONFIG_HOME=" + (scratch() / "config").string() +
                              " XDG_CACHE_HOME=" + (scratch() / "cache").string() + " NO_COLOR=1 " +
                              std::string(MOAT_BINARY) + " --config " + config_.string() +
                              " sandbox exec -it -e PS1=moat-prompt: " + name_ + " -- sh; echo moat-exit=$?; sleep 60";
  auto started = tmux.run({"new-session", "-d", "-s", session, "-x", "120", "-y", "40", command});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  // A person types once the prompt shows (typed ahead, a shell that does
  // not edit its own line would print its prompt after the echo).
  ASSERT_TRUE(tmux.shows("moat-prompt:")) << tmux.screen();

  tmux.keys({"echo $((6*7))", "Enter"});
  EXPECT_TRUE(tmux.shows("\n42")) << tmux.screen();

  tmux.keys({"stty size", "Enter"});
  EXPECT_TRUE(tmux.shows("40 120")) << "the terminal's size at the start\n" << tmux.screen();
  tmux.run({"resize-window", "-t", session, "-x", "100", "-y", "30"});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  tmux.keys({"clear; stty size", "Enter"});
  EXPECT_TRUE(tmux.shows("30 100")) << "the resize reached the sandbox\n" << tmux.screen();

  // Ctrl-C reaches the process inside, not moat: the shell lives on.
  tmux.keys({"sleep 100", "Enter"});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto interrupted = std::chrono::steady_clock::now();
  tmux.keys({"C-c"});
  tmux.keys({"echo after-$((40+2))", "Enter"});
  EXPECT_TRUE(tmux.shows("after-42")) << tmux.screen();
  EXPECT_LT(std::chrono::steady_clock::now() - interrupted, std::chrono::seconds(20)) << "sleep 100 was not cut short";

  tmux.keys({"exit 3", "Enter"});
  EXPECT_TRUE(tmux.shows("moat-exit=3")) << tmux.screen();
}

INSTANTIATE_TEST_SUITE_P(Runtimes, Interactive, ::testing::Values("runc", "gvisor", "runc-broker", "host"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string id = info.param;
                           std::replace(id.begin(), id.end(), '-', '_');
                           return id;
                         });

TEST(InteractiveRefused, WhatCannotBeDoneSaysSoInOneLine) {
  ensure_base_image();
  const std::string name = unique_name("it-ref");
  Cleanup cleanup(name);
  std::vector<std::string> args = {"sandbox", "create", name, "--runtime", "runc", "--image", kBaseImage, "--start"};
  for (const auto& a : run_label()) args.push_back(a);
  ASSERT_EQ(run_moat(args).exit_code, 0);

  // -it from a pipe: there is no terminal to make raw.
  auto piped = with_stdin({"sandbox", "exec", "-it", name, "--", "cat"}, "x\n");
  EXPECT_EQ(piped.exit_code, 64);
  EXPECT_NE(piped.err.find("the input device is not a TTY"), std::string::npos) << piped.err;

  auto json = run_moat({"-o", "json", "sandbox", "exec", "-i", name, "--", "cat"});
  EXPECT_EQ(json.exit_code, 64);
  EXPECT_EQ(lines(json.err).size(), 1U) << json.err;

  EXPECT_EQ(run_moat({"sandbox", "rm", name}).exit_code, 0);

  // The host runtime runs commands as the invoking user only.
  const std::string host_box = unique_name("it-host");
  Cleanup host_cleanup(host_box);
  std::vector<std::string> host_args = {"sandbox", "create",  host_box,   "--runtime",
                                        "host",    "--image", kBaseImage, "--start"};
  for (const auto& a : run_label()) host_args.push_back(a);
  ASSERT_EQ(run_moat(host_args).exit_code, 0);
  auto host = with_stdin({"sandbox", "exec", "-i", "--user", "moat-nobody-here", host_box, "--", "cat"}, "x\n");
  EXPECT_EQ(host.exit_code, 69) << host.err;
  EXPECT_NE(host.err.find("runs commands as the invoking user"), std::string::npos) << host.err;
  EXPECT_EQ(lines(host.err).size(), 1U) << host.err;
  EXPECT_EQ(run_moat({"sandbox", "rm", host_box}).exit_code, 0);
}
