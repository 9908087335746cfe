// One moat invocation from argv to exit code: find the command, parse the
// global and command options in one pass (no prefix guessing), handle
// --help/--version, run the command, and turn every error into one line on
// stderr plus a sysexits code.
#pragma once

#include "command.hpp"

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

namespace moat::cli {

// `args` excludes argv[0]. Never throws.
int run_cli(const CommandTable& commands, const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            const std::atomic<bool>& cancel) noexcept;

}  // namespace moat::cli
