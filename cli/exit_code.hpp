// moat's exit codes: sysexits(3) values, in one place. docs/exit-codes.md
// explains each one; scripts may rely on them.
#pragma once

#include <moat/plugin_abi.h>

namespace moat::cli {

enum class ExitCode : int {
  ok = 0,
  failed = 1,          // the operation ran and did not succeed (a plugin check failed, a conflict)
  usage = 64,          // EX_USAGE: bad command line (unknown command or option, missing argument)
  data_error = 65,     // EX_DATAERR: the request was well-formed but its data was rejected
  no_input = 66,       // EX_NOINPUT: a named file or object does not exist
  unavailable = 69,    // EX_UNAVAILABLE: the runtime/plugin asked for cannot be used here
  internal = 70,       // EX_SOFTWARE: a bug in moat or a plugin (an uncaught exception)
  temp_fail = 75,      // EX_TEMPFAIL: timed out; trying again may work
  no_permission = 77,  // EX_NOPERM: not allowed (unsafe plugin file, unreadable config)
  config = 78,         // EX_CONFIG: the configuration is malformed or mistyped
  interrupted = 130,   // stopped early by SIGINT/SIGTERM (the shell convention 128 + SIGINT)
  reader_gone = 141,   // the output's reader went away (128 + SIGPIPE, as a shell reports it)
};

constexpr int to_int(ExitCode c) noexcept { return static_cast<int>(c); }

// The one mapping from a moat::Error status to an exit code.
ExitCode exit_code_for(moat_status status) noexcept;

}  // namespace moat::cli
