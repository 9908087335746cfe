// The host side of examining plugin files in child processes: one
// moat-plugin-examiner per file (several at once), each with a deadline. A child
// that dies, hangs or exits without a verdict becomes a record saying so; the
// host itself never runs the plugin's code here.
//
// The child's stdout carries one JSON object per line: {"phase": NAME} before
// each step that runs plugin code (see plugin_inspection.hpp), then
// {"verdict": RECORD} (PluginRecord's JSON) and exit status 0.
#pragma once

#include <moat/core/plugin_record.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace moat::core {

// One record per file, in order. Throws moat::Error(MOAT_E_INTERNAL) when
// the helper cannot be started at all (that is moat's fault, not a plugin's).
std::vector<PluginRecord> examine_in_children(const std::vector<std::filesystem::path>& files,
                                              const std::filesystem::path& helper, std::chrono::milliseconds timeout);

// How one child ended, and what it wrote.
struct ChildOutcome {
  bool timed_out = false;  // killed by the host at the deadline
  int exit_code = -1;      // when it exited
  int signal = 0;          // when a signal ended it (and not the host's timeout)
  std::string stdout_text;
  std::string stderr_text;
};

// The record a finished child stands for (pure: exposed for tests).
PluginRecord interpret_outcome(const std::filesystem::path& file, const ChildOutcome& outcome,
                               std::chrono::milliseconds timeout);

}  // namespace moat::core
