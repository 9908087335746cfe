// Small operations the scenarios share, all through the SandboxService.
#pragma once

#include <moat/core/sandbox_service.hpp>
#include <moat/model.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace moat::harness {

using Clock = std::chrono::steady_clock;

inline double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// The marker the Docker runtimes' keep-alive main process prints first.
inline constexpr const char* kReadyMarker = "moat-ready";

struct ReadyWait {
  bool supported = true;  // false: the runtime has no logs (no main process)
  std::string unsupported_reason;
  double elapsed_ms = 0;   // from the call until the poll that saw the marker returned
  int polls = 0;           // logs() calls made
  double in_calls_ms = 0;  // time spent inside logs() calls
  double sleeping_ms = 0;  // time spent sleeping between polls
};

// Polls service.logs(name) until its stdout holds the ready marker. Throws
// moat::Error(timeout) after `timeout`, the logs() error otherwise; a runtime
// whose logs() is unsupported returns supported = false at once.
ReadyWait wait_until_ready(core::SandboxService& service, const std::string& name, std::chrono::milliseconds timeout,
                           std::chrono::microseconds poll_interval);

// Runs argv in the sandbox; throws moat::Error(failed) naming the command, its
// exit code and the end of its stderr when it does not exit 0.
ExecResult exec_checked(core::SandboxService& service, const std::string& name, std::vector<std::string> argv,
                        double timeout_s, const std::map<std::string, std::string>& env = {},
                        const std::string& workdir = {});

// The last `lines` non-empty lines of `text`, joined with " | " (for error messages).
std::string tail_lines(const std::string& text, int lines = 3);

// Where the sandbox's own paths are, as the sandbox sees them: the workspace
// (`/workspace` in a container, the host directory for the host runtime) and
// the home directory (on the sandbox's root filesystem in a container).
struct SandboxPaths {
  std::string workspace;
  std::string home;
};
SandboxPaths sandbox_paths(core::SandboxService& service, const std::string& name);

}  // namespace moat::harness
