// moat sandbox rm NAME: removes a sandbox, running or not, with the volumes
// moat created for it. Host directories given as workspace/home stay.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"

namespace moat::cli::commands {
namespace {

int run(Context& ctx) {
  auto service = make_sandbox_service(ctx);
  const std::string name = ctx.arg("name");
  service->remove(name);
  Output& out = ctx.out();
  if (out.json())
    out.document({{"removed", name}});
  else if (!out.quiet())
    out.line("removed " + name);
  return to_int(ExitCode::ok);
}

}  // namespace

Command sandbox_rm() {
  return {
      .path = {"sandbox", "rm"},
      .summary = "Remove a sandbox and the volumes moat made for it",
      .description =
          "Removes the sandbox whether it runs or not, and the volumes moat created\n"
          "for it (e.g. the inner Docker store). Host directories bound with\n"
          "--workspace, --home or -v are left alone. Exits 66 when there is no such\n"
          "sandbox.",
      .options = {},
      .positionals = {sandbox_name_positional()},
      .run = run,
  };
}

}  // namespace moat::cli::commands
