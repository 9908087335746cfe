// moat network ls: the networks moat made, with the sandboxes on each.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "network_views.hpp"
#include "sandbox_support.hpp"

namespace moat::cli::commands {
namespace {

int run(Context& ctx) {
  auto service = make_sandbox_service(ctx);
  print_networks(ctx.out(), service->list_networks());
  return to_int(ExitCode::ok);
}

}  // namespace

Command network_ls() {
  return {
      .path = {"network", "ls"},
      .summary = "List the networks moat made",
      .description =
          "Asks every loaded runtime that has networks; runtimes on one engine list\n"
          "the same networks, shown once. -o json: {\"networks\": [{\"name\", \"id\",\n"
          "\"driver\", \"internal\", \"labels\", \"sandboxes\"}]}.",
      .options = {},
      .positionals = {},
      .run = run,
  };
}

}  // namespace moat::cli::commands
