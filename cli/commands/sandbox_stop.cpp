// moat sandbox stop NAME [--timeout S]: stops a sandbox; its workspace, home
// and volumes stay.
#include "../command.hpp"
#include "../context.hpp"
#include "sandbox_support.hpp"

namespace moat::cli::commands {

Command sandbox_stop() {
  return {
      .path = {"sandbox", "stop"},
      .summary = "Stop a sandbox (its data stays)",
      .description =
          "Asks the main process to stop and kills it after --timeout seconds. An inner\n"
          "Docker engine is shut down cleanly first. Stopping a stopped sandbox is not\n"
          "an error.",
      .options = add_stop_timeout_option,
      .positionals = {sandbox_name_positional()},
      .run = [](Context& ctx) { return stop_and_show(ctx, &core::SandboxService::stop); },
  };
}

}  // namespace moat::cli::commands
