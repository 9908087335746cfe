// Runs a long host program (debootstrap, tar) from an argv array with its
// stdout and stderr appended to a log file rather than kept in memory, with a
// deadline and a periodic heartbeat so a minute-long step shows progress.
//
// The child stays in moat's process group on purpose: Ctrl-C in the terminal
// stops debootstrap together with moat instead of leaving it running.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace moat::core::images {

struct LoggedCommand {
  std::vector<std::string> argv;       // argv[0] is searched in PATH plus the sbin directories
  std::filesystem::path log;           // stdout and stderr are appended here
  std::vector<std::string> extra_env;  // "K=V", added to this process's environment
  std::chrono::seconds timeout{0};     // 0 = none
  std::chrono::seconds heartbeat{15};
  std::function<void(std::chrono::seconds elapsed)> on_heartbeat;
  std::string missing_hint;  // appended when argv[0] is not installed, e.g. "apt-get install debootstrap"
};

// Throws moat::Error: MOAT_E_UNAVAILABLE when the program is not installed,
// MOAT_E_TIMEOUT when the deadline passed (the child is killed), MOAT_E_FAILED
// on a non-zero exit (the message names the log and its last line).
void run_logged(const LoggedCommand& command);

// The last non-empty line of a text file ("" when none), at most 200 chars.
std::string last_line(const std::filesystem::path& file);

}  // namespace moat::core::images
