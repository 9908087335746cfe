// moat::support::run_attached: the host runtime's streamed and interactive
// exec (exec -it, the WebSocket terminal) run on it.
#include <moat/error.hpp>
#include <moat/support/attached_process.hpp>

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using moat::InputEvent;
using moat::support::AttachedRun;
using moat::support::run_attached;
using namespace std::chrono_literals;

namespace {

AttachedRun shell(const std::string& script) {
  AttachedRun run;
  run.spawn.argv = {"/bin/sh", "-c", script};
  return run;
}

// What the program wrote, per stream, and when a piece first matched.
struct Collected {
  std::mutex mutex;
  std::string out;
  std::string err;
  bool has(const std::string& text) {
    std::lock_guard lock(mutex);
    return out.find(text) != std::string::npos;
  }
};

moat::OutputSink collect(Collected& c) {
  return [&c](int stream, std::string_view data) {
    std::lock_guard lock(c.mutex);
    (stream == 2 ? c.err : c.out).append(data);
    return true;
  };
}

// An input source a test scripts: each event is given once `ready` says so
// (the program's output so far has what it waits for), then `stopped`
// never comes unless asked: the source waits, as a person at a keyboard.
class Script {
 public:
  struct Step {
    std::string wait_for;  // in the output before this event is given ("" = at once)
    InputEvent event;
  };
  Script(Collected& output, std::vector<Step> steps) : output_(output), steps_(steps.begin(), steps.end()) {}
  moat::InputSource source() {
    return [this](std::chrono::milliseconds wait) {
      const auto until = std::chrono::steady_clock::now() + wait;
      while (std::chrono::steady_clock::now() < until) {
        if (!steps_.empty() && (steps_.front().wait_for.empty() || output_.has(steps_.front().wait_for))) {
          InputEvent e = steps_.front().event;
          steps_.pop_front();
          return e;
        }
        std::this_thread::sleep_for(5ms);
      }
      return InputEvent{};
    };
  }

 private:
  Collected& output_;
  std::deque<Step> steps_;
};

// Running, not a zombie waiting for whoever adopted it to reap it.
bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && line.find('Z', close) != close + 2;
}

InputEvent data(std::string text) {
  InputEvent e;
  e.kind = InputEvent::Kind::data;
  e.data = std::move(text);
  return e;
}

InputEvent of_kind(InputEvent::Kind kind) {
  InputEvent e;
  e.kind = kind;
  return e;
}

InputEvent resize(std::uint32_t rows, std::uint32_t cols) {
  InputEvent e;
  e.kind = InputEvent::Kind::resize;
  e.rows = rows;
  e.cols = cols;
  return e;
}

}  // namespace

TEST(AttachedProcess, StreamsStdoutAndStderrApartWithTheExitCode) {
  Collected c;
  std::vector<std::string> pieces;
  const auto r = run_attached(shell("echo out; echo err >&2; exit 3"), nullptr, [&](int stream, std::string_view d) {
    pieces.push_back(std::to_string(stream) + ":" + std::string(d));
    return collect(c)(stream, d);
  });
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(c.out, "out\n");
  EXPECT_EQ(c.err, "err\n");
}

TEST(AttachedProcess, OutputArrivesBeforeTheProgramEnds) {
  // The first line must reach the sink while the program still sleeps:
  // nothing is buffered to the end.
  const auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration first{};
  const auto r = run_attached(shell("echo first; sleep 1; echo second"), nullptr, [&](int, std::string_view d) {
    if (d.find("first") != std::string_view::npos) first = std::chrono::steady_clock::now() - started;
    return true;
  });
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_GT(first.count(), 0);
  EXPECT_LT(first, 900ms);
}

TEST(AttachedProcess, StdinReachesTheProgramAndEofClosesIt) {
  Collected c;
  Script script(c, {{"", data("hello ")}, {"", data("world\n")}, {"", of_kind(InputEvent::Kind::eof)}});
  const auto input = script.source();
  AttachedRun run;
  run.spawn.argv = {"cat"};
  const auto r = run_attached(run, &input, collect(c));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(c.out, "hello world\n");
}

TEST(AttachedProcess, WithoutInputStdinIsEmpty) {
  Collected c;
  AttachedRun run;
  run.spawn.argv = {"cat"};
  const auto r = run_attached(run, nullptr, collect(c));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(c.out, "");
}

TEST(AttachedProcess, ATerminalEchoesTakesResizeCtrlCAndExitCode) {
  Collected c;
  Script script(c, {
                       {"$ ", data("stty size\n")},
                       {"24 80", resize(40, 132)},
                       {"24 80", data("stty size\n")},
                       {"40 132", data("echo $((6*7))x\n")},
                       {"42x", data("sleep 100; echo after-sleep\n")},
                       {"sleep 100", data("\x03")},
                       {"after-sleep", data("tty >/dev/null && echo on-a-tty\n")},
                       {"on-a-tty", data("exit 3\n")},
                   });
  const auto input = script.source();
  AttachedRun run = shell("PS1='$ ' exec sh -i");
  run.terminal = true;
  run.rows = 24;
  run.cols = 80;
  run.timeout = 60s;
  const auto r = run_attached(run, &input, collect(c));
  EXPECT_FALSE(r.timed_out) << c.out;
  EXPECT_EQ(r.exit_code, 3) << c.out;
  EXPECT_NE(c.out.find("40 132"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("42x"), std::string::npos) << c.out;
  EXPECT_EQ(c.err, "") << "a terminal's output is all stream 1";
}

TEST(AttachedProcess, EofOnATerminalIsCtrlD) {
  Collected c;
  Script script(c, {{"", data("cat\n")},
                    {"", data("typed\n")},
                    {"typed", of_kind(InputEvent::Kind::eof)},
                    {"", of_kind(InputEvent::Kind::eof)}});
  const auto input = script.source();
  AttachedRun run = shell("exec sh");
  run.terminal = true;
  run.timeout = 30s;
  const auto r = run_attached(run, &input, collect(c));
  EXPECT_FALSE(r.timed_out) << c.out;
  EXPECT_EQ(r.exit_code, 0) << c.out;
}

TEST(AttachedProcess, ARefusingSinkEndsTheProgram) {
  const auto started = std::chrono::steady_clock::now();
  const auto r =
      run_attached(shell("while :; do echo y; sleep 0.01; done"), nullptr, [](int, std::string_view) { return false; });
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.exit_code, 128 + SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

TEST(AttachedProcess, AStoppedInputEndsTheWholeJobOnATerminal) {
  // The shell's job control puts `sleep` in a group of its own; it goes too.
  Collected c;
  Script script(c,
                {{"$ ", data("sleep 100 & echo b\"g=$!\"; sleep 200\n")}, {"bg=", of_kind(InputEvent::Kind::stopped)}});
  const auto input = script.source();
  AttachedRun run = shell("PS1='$ ' exec sh -i");
  run.terminal = true;
  const auto r = run_attached(run, &input, collect(c));
  EXPECT_TRUE(r.stopped);
  const auto at = c.out.find("bg=");  // the typed line echoes as b"g=
  ASSERT_NE(at, std::string::npos) << c.out;
  const pid_t background = std::stoi(c.out.substr(at + 3));
  // The background job is in a group of its own, in the same session.
  EXPECT_FALSE(alive(background)) << "the background sleep outlived the run";
}

TEST(AttachedProcess, TheDeadlineKillsItsGroup) {
  AttachedRun run = shell("sleep 30");
  run.timeout = 300ms;
  const auto r = run_attached(run, nullptr, [](int, std::string_view) { return true; });
  EXPECT_TRUE(r.timed_out);
}

TEST(AttachedProcess, CancelledEndsIt) {
  AttachedRun run = shell("sleep 30");
  const auto started = std::chrono::steady_clock::now();
  run.cancelled = [&] { return std::chrono::steady_clock::now() - started > 200ms; };
  const auto r = run_attached(run, nullptr, [](int, std::string_view) { return true; });
  EXPECT_TRUE(r.stopped);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(AttachedProcess, ABackgroundedGrandchildDoesNotHoldTheResult) {
  const auto started = std::chrono::steady_clock::now();
  const auto r = run_attached(shell("sleep 5 & echo done"), nullptr, [](int, std::string_view) { return true; });
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(AttachedProcess, AMissingProgramIsASpawnError) {
  AttachedRun run;
  run.spawn.argv = {"/nonexistent/program"};
  EXPECT_THROW(run_attached(run, nullptr, [](int, std::string_view) { return true; }), moat::support::SpawnError);
}
