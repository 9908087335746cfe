// moat sandbox start NAME: starts a created or stopped sandbox (and its inner
// Docker engine when it has one).
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"

namespace moat::cli::commands {
namespace {

int run(Context& ctx) {
  auto service = make_sandbox_service(ctx);
  print_sandbox(ctx.out(), service->start(ctx.arg("name")));
  return to_int(ExitCode::ok);
}

}  // namespace

Command sandbox_start() {
  return {
      .path = {"sandbox", "start"},
      .summary = "Start a sandbox",
      .description =
          "Starting a running sandbox is not an error. Exits 66 when no runtime has\n"
          "a sandbox of that name.",
      .options = {},
      .positionals = {sandbox_name_positional()},
      .run = run,
  };
}

}  // namespace moat::cli::commands
