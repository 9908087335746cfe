// Runs a program as a child with an argv array (no shell) and captures its
// stdout, stderr and exit status. Used to test the real `moat` binary.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace moat::test {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

struct RunOptions {
  // Environment changes on top of the test's own: a value sets, nullopt unsets.
  std::map<std::string, std::optional<std::string>> env;
  // Give the child a pseudo-terminal as stdout (to test colour on a TTY).
  bool stdout_is_tty = false;
  // >= 0: the child's stdout is this descriptor (a pipe the test reads
  // itself, say) instead of being captured; the caller closes it once
  // on_started has run.
  int stdout_fd = -1;
  // Set: written to the child's stdin, which is then closed (else /dev/null).
  std::optional<std::string> stdin_data;
  // A safety net against a hung child, not a performance assertion.
  std::chrono::seconds kill_after{120};
  // Called with the child's pid right after it starts (e.g. to signal it).
  std::function<void(int pid)> on_started;
};

ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

}  // namespace moat::test
