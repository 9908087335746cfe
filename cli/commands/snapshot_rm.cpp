// moat snapshot rm SNAPSHOT...: removes snapshots and the volumes they keep.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"

namespace moat::cli::commands {
namespace {

int run(Context& ctx) {
  auto service = make_sandbox_service(ctx);
  return remove_each(ctx, "snapshot", "snapshot", [&](const std::string& name) { service->remove_snapshot(name); });
}

}  // namespace

Command snapshot_rm() {
  return {
      .path = {"snapshot", "rm"},
      .summary = "Remove snapshots",
      .description =
          "Removes each snapshot with the volumes it keeps, and stops at the first that\n"
          "cannot go: 66 when there is no such snapshot, 1 while a sandbox restored from\n"
          "it exists (its filesystem is the snapshot's; remove the sandbox first).",
      .options = {},
      .positionals = {{.name = "snapshot", .description = "a snapshot's name", .required = true, .repeatable = true}},
      .run = run,
  };
}

}  // namespace moat::cli::commands
