// A host program attached to its caller, as `docker exec -i[t]` attaches one:
// its output goes to a sink as it comes, its input comes from a source, and
// it can run on a terminal of its own. This is how the host runtime streams
// and runs interactive commands; run_process (process.hpp) is the buffered
// form.
#pragma once

#include <moat/model.hpp>
#include <moat/support/process.hpp>

#include <chrono>
#include <functional>

namespace moat::support {

struct AttachedRun {
  // argv, env and cwd; the run sets stdin, stdout, stderr and the terminal.
  SpawnOptions spawn;
  // A pty for the command (its output is then all stream 1), sized rows x
  // cols when both are given.
  bool terminal = false;
  unsigned short rows = 0;
  unsigned short cols = 0;
  std::chrono::milliseconds timeout{0};  // 0 = no limit
  std::function<bool()> cancelled;       // asked every tick; true ends the command
};

struct AttachedResult {
  int exit_code = -1;      // as ProcessResult: 128+N for signal N
  bool timed_out = false;  // killed at the deadline
  // Killed because the caller stopped: the sink refused output, the input
  // source said stopped, or `cancelled` answered true.
  bool stopped = false;
};

// Runs the program (in its own process group, or its own session on a
// terminal) until it exits and its output is drained, feeding it what
// `input` gives (nullptr: stdin is /dev/null). On the input's EOF a pipe is
// closed; on a terminal the EOF character (^D) is typed. A resize sets the
// terminal's size, which the kernel signals to the program (SIGWINCH). Once
// the program exits, a grandchild that keeps the output open is waited for
// only briefly. Throws SpawnError when the program cannot start.
AttachedResult run_attached(const AttachedRun& run, const InputSource* input, const OutputSink& sink);

}  // namespace moat::support
