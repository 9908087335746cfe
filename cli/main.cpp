// The moat executable: signal handling around run_cli, nothing else.
#include "app.hpp"
#include "commands/registry.hpp"
#include "exit_code.hpp"
#include "signals.hpp"

#include <atomic>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  try {
    // Owned here, read by commands and by plugins (moat_host_api.cancelled).
    std::atomic<bool> cancel{false};
    moat::cli::SignalGuard signals(cancel);
    const std::vector<std::string> args(argv + 1, argv + argc);
    const int rc = moat::cli::run_cli(moat::cli::all_commands(), args, std::cout, std::cerr, cancel);
    std::cout.flush();
    // A closed or full stdout (`moat ... | head -0`, disk full) is a failure
    // the exit code must show.
    // A reader that went away on purpose (| head) was already told by the exit code.
    if (!std::cout && rc != moat::cli::to_int(moat::cli::ExitCode::reader_gone)) {
      std::fputs("moat: cannot write the output\n", stderr);
      return rc == 0 ? moat::cli::to_int(moat::cli::ExitCode::failed) : rc;
    }
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moat: internal error: %s\n", e.what());
  } catch (...) {
    std::fputs("moat: internal error: unknown exception\n", stderr);
  }
  return moat::cli::to_int(moat::cli::ExitCode::internal);
}
