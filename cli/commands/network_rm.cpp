// moat network rm NAME...: removes networks moat made, once no sandbox is on them.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"

namespace moat::cli::commands {
namespace {

int run(Context& ctx) {
  auto service = make_sandbox_service(ctx);
  return remove_each(ctx, "name", "network", [&](const std::string& name) { service->remove_network(name); });
}

}  // namespace

Command network_rm() {
  return {
      .path = {"network", "rm"},
      .summary = "Remove networks moat made",
      .description =
          "Removes each network in turn and stops at the first that cannot go: 66 when\n"
          "moat made no network of that name (networks it did not make are left alone),\n"
          "1 while a sandbox is still on it (disconnect or remove the sandbox first).",
      .options = {},
      .positionals = {{.name = "name", .description = "a network's name", .required = true, .repeatable = true}},
      .run = run,
  };
}

}  // namespace moat::cli::commands
