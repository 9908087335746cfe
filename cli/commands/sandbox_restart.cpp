// moat sandbox restart NAME [--timeout S]: stop and start again; the
// workspace, home, volumes and an inner Docker engine's images survive.
#include "../command.hpp"
#include "../context.hpp"
#include "sandbox_support.hpp"

namespace moat::cli::commands {

Command sandbox_restart() {
  return {
      .path = {"sandbox", "restart"},
      .summary = "Restart a sandbox",
      .description =
          "Stops (waiting up to --timeout seconds) and starts the sandbox again, and\n"
          "its inner Docker engine when it has one.",
      .options = add_stop_timeout_option,
      .positionals = {sandbox_name_positional()},
      .run = [](Context& ctx) { return stop_and_show(ctx, &core::SandboxService::restart); },
  };
}

}  // namespace moat::cli::commands
