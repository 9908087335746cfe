// Cancellation and deadlines reach the sandbox, and output held in memory is
// bounded, through the built `moat` binary against the real engine:
// - an exec whose --timeout passes, or that moat is interrupted in (SIGINT),
//   leaves no process of it in the sandbox, its children included, on runc
//   and on gVisor (whose processes live in the sandbox's own kernel);
// - exec and logs output past the cap (engine.max_output_bytes) is cut at
//   exactly the cap and says truncated; `logs --tail N` gives the last N lines.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace moat::sandbox_test;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// The command lines of every live process in the container (zombies have
// an empty cmdline and are left out), one per line, NULs as spaces.
std::string process_lines(const std::string& name) {
  std::string out =
      client().exec(name, {"/bin/sh", "-c", "for f in /proc/[0-9]*/cmdline; do cat $f; echo; done"}).stdout_data;
  for (char& c : out)
    if (c == '\0') c = ' ';
  return out;
}

bool sleeper_running(const std::string& name) { return process_lines(name).find("sleep 1000") != std::string::npos; }

// A started sandbox `name` on `runtime`, labelled as these tests' own.
void create_started(const std::string& name, const std::string& runtime,
                    const std::filesystem::path& config = default_config()) {
  std::vector<std::string> args = {"sandbox", "create", name, "--runtime", runtime, "--image", kBaseImage, "--start"};
  for (const auto& a : run_label()) args.push_back(a);
  const auto r = run_moat(args, config);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

// The same checks with every plugin in a moat-plugin-broker child, where
// moat passes the interrupt on with SIGUSR1.
const std::filesystem::path& brokered_config() {
  static const auto p =
      write_config("brokered.json", {{"plugin_host", {{"isolation", {{"runc", "process"}, {"gvisor", "process"}}}}}});
  return p;
}

void timed_out_exec_leaves_nothing(const std::string& runtime, const std::filesystem::path& config) {
  ensure_base_image();
  const std::string name = unique_name("xk-" + runtime);
  Cleanup cleanup(name);
  create_started(name, runtime, config);
  for (const char* command : {"sleep 1000", "sleep 1000 & sleep 1000"}) {
    const auto started = Clock::now();
    const auto r = run_moat({"sandbox", "exec", "--timeout", "1", name, "--", "/bin/sh", "-c", command}, config);
    const auto took = Clock::now() - started;
    EXPECT_EQ(r.exit_code, 75) << command << ": " << r.err;  // MOAT_E_TIMEOUT, as before
    EXPECT_NE(r.err.find("its processes were killed"), std::string::npos) << r.err;
    EXPECT_LT(took, std::chrono::seconds(10)) << command;
    EXPECT_FALSE(sleeper_running(name)) << command << " left:\n" << process_lines(name);
  }
}

void interrupted_exec_leaves_nothing(const std::string& runtime, const std::filesystem::path& config) {
  ensure_base_image();
  const std::string name = unique_name("xi-" + runtime);
  Cleanup cleanup(name);
  create_started(name, runtime, config);
  std::atomic<bool> signalled{false};
  Clock::time_point signalled_at{};
  moat::test::RunOptions options;
  options.on_started = [&](int pid) {
    // SIGINT once the command runs inside the sandbox.
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline) {
      try {
        if (sleeper_running(name)) {
          signalled_at = Clock::now();
          ::kill(pid, SIGINT);
          signalled = true;
          return;
        }
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  const auto r = run_moat({"sandbox", "exec", name, "--", "/bin/sh", "-c", "sleep 1000 & sleep 1000"}, config, options);
  const auto took = Clock::now() - signalled_at;
  ASSERT_TRUE(signalled);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
  EXPECT_LT(took, std::chrono::milliseconds(2500));
  EXPECT_FALSE(sleeper_running(name)) << process_lines(name);
}

class ExecKill : public ::testing::TestWithParam<std::string> {};

TEST_P(ExecKill, ATimedOutExecLeavesNoProcessBehind) { timed_out_exec_leaves_nothing(GetParam(), default_config()); }

TEST_P(ExecKill, AnInterruptedExecEndsWithin2sAndLeavesNoProcessBehind) {
  interrupted_exec_leaves_nothing(GetParam(), default_config());
}

TEST_P(ExecKill, InABrokerATimedOutExecLeavesNoProcessBehind) {
  timed_out_exec_leaves_nothing(GetParam(), brokered_config());
}

TEST_P(ExecKill, InABrokerAnInterruptedExecEndsWithin2sAndLeavesNoProcessBehind) {
  interrupted_exec_leaves_nothing(GetParam(), brokered_config());
}

INSTANTIATE_TEST_SUITE_P(Runtimes, ExecKill, ::testing::Values("runc", "gvisor"));

// Configurations whose runc plugin keeps at most 1000 bytes per stream: set
// in the plugin's own section, or in the top-level engine section.
const std::filesystem::path& capped_config() {
  static const auto p =
      write_config("capped.json", {{"plugins", {{"runc", {{"engine", {{"max_output_bytes", 1000}}}}}}}});
  return p;
}

const std::filesystem::path& capped_engine_config() {
  static const auto p = write_config("capped-engine.json", {{"engine", {{"max_output_bytes", 1000}}}});
  return p;
}

TEST(ExecLogsCap, ExecOutputIsCutAtTheCapAndSaysSo) {
  ensure_base_image();
  const std::string name = unique_name("cap-exec");
  Cleanup cleanup(name);
  create_started(name, "runc", capped_config());
  const auto r = run_moat({"-o", "json", "sandbox", "exec", name, "--", "/bin/sh", "-c", "seq 1 2000; seq 1 5 >&2"},
                          capped_engine_config());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc.at("stdout").get<std::string>().size(), 1000u);
  EXPECT_EQ(doc.at("stdout").get<std::string>().substr(0, 4), "1\n2\n");
  EXPECT_EQ(doc.at("stderr"), "1\n2\n3\n4\n5\n");
  EXPECT_EQ(doc.at("truncated"), true);
  EXPECT_NE(r.err.find("warning: the command's output was truncated"), std::string::npos) << r.err;

  const auto small = run_moat({"-o", "json", "sandbox", "exec", name, "--", "echo", "hi"}, capped_config());
  EXPECT_EQ(json::parse(small.out).at("truncated"), false);
}

TEST(ExecLogsCap, LogsAreCutAtTheCapAndTailGivesTheLastLines) {
  ensure_base_image();
  const std::string name = unique_name("cap-logs");
  Cleanup cleanup(name);
  create_started(name, "runc", capped_config());
  // Written to the main process's stdout: what the engine keeps as its log.
  const auto wrote = run_moat({"sandbox", "exec", name, "--", "/bin/sh", "-c", "seq 1 2000 > /proc/1/fd/1"});
  ASSERT_EQ(wrote.exit_code, 0) << wrote.err;

  const auto r = run_moat({"-o", "json", "sandbox", "logs", name}, capped_config());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc.at("stdout").get<std::string>().size(), 1000u);
  EXPECT_EQ(doc.at("truncated"), true);
  EXPECT_NE(r.err.find("warning: the log was truncated"), std::string::npos) << r.err;

  const auto tail = run_moat({"sandbox", "logs", "--tail", "3", name}, capped_config());
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  EXPECT_EQ(tail.out, "1998\n1999\n2000\n");
  EXPECT_EQ(tail.err, "");

  // Without a cap (the default config) the whole log comes back.
  const auto whole = run_moat({"-o", "json", "sandbox", "logs", name});
  EXPECT_EQ(json::parse(whole.out).at("truncated"), false);
  EXPECT_GT(json::parse(whole.out).at("stdout").get<std::string>().size(), 8000u);
}

}  // namespace
