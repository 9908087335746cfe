// moat sandbox inspect NAME: what the owning runtime says about a sandbox.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"

namespace moat::cli::commands {
namespace {

int run(Context& ctx) {
  auto service = make_sandbox_service(ctx);
  print_sandbox(ctx.out(), service->inspect(ctx.arg("name")));
  return to_int(ExitCode::ok);
}

}  // namespace

Command sandbox_inspect() {
  return {
      .path = {"sandbox", "inspect"},
      .summary = "Show one sandbox: runtime, state, mounts, networks, labels",
      .description =
          "Each loaded runtime is asked in turn (the default first) until one owns the\n"
          "sandbox. -o json prints {\"sandbox\": {...}}. Exits 66 when none does.",
      .options = {},
      .positionals = {sandbox_name_positional()},
      .run = run,
  };
}

}  // namespace moat::cli::commands
