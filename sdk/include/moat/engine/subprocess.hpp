// Running a host program from an argv array (never a shell string), with its
// stdout and stderr captured apart, a working directory, an environment and a
// deadline. Used by plugin probes (`runsc --version`, `kata-runtime check`)
// and by the host plugin, whose exec is exactly this.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace moat::engine {

struct ProcessRequest {
  std::vector<std::string> argv;                // argv[0] is looked up in PATH when it has no '/'
  std::optional<std::vector<std::string>> env;  // "K=V"; nullopt = inherit this process's environment
  std::string cwd;                              // empty = inherit
  std::chrono::milliseconds timeout{0};         // 0 = no limit
  std::size_t max_output = 64 * 1024 * 1024;    // per stream; the rest is discarded (and flagged)
};

struct ProcessResult {
  int exit_code = -1;         // the program's code; 128+N when killed by signal N; 127 when it could not start
  int term_signal = 0;        // the signal that ended it, 0 if it exited
  bool timed_out = false;     // killed (with its process group) because the deadline passed
  bool spawn_failed = false;  // the program could not be started (see spawn_error)
  bool truncated = false;     // output exceeded max_output
  std::string spawn_error;    // e.g. "No such file or directory"
  std::string stdout_data;
  std::string stderr_data;
  double duration_ms = 0;
};

// Runs the program to completion (or to the deadline) in its own process
// group with stdin from /dev/null. On timeout the whole group gets SIGKILL.
// Throws moat::Error(MOAT_E_INVALID) for an empty argv and
// moat::Error(MOAT_E_FAILED) when pipes or the process cannot be set up for
// reasons other than the program itself.
ProcessResult run_process(const ProcessRequest& request);

// Finds `name` the way execvp would, in $PATH (or the given PATH value).
// Returns the absolute path, or nullopt.
std::optional<std::string> find_in_path(const std::string& name, const char* path_value = nullptr);

}  // namespace moat::engine
