// Runs a program from an argv array (no shell), output to files, with a
// safety time limit (test helper; the limit is not a timing assertion).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace moat::bench::testing {

struct ProcessResult {
  int exit_code = -1;  // valid when !timed_out and signal == 0
  int signal = 0;
  bool timed_out = false;
};

// The child runs in its own process group; on timeout the whole group is
// killed. After a normal exit, helpers it left behind in that group are
// killed too. Throws std::runtime_error when the program cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& stdout_file,
                          const std::filesystem::path& stderr_file, std::chrono::seconds timeout);

// The first executable `name` on $PATH.
std::optional<std::filesystem::path> find_in_path(const std::string& name);

}  // namespace moat::bench::testing
