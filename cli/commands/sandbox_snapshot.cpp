// moat sandbox snapshot NAME SNAPSHOT: the sandbox's filesystem and the
// mounts moat made for it, kept under a name.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"
#include "snapshot_views.hpp"

namespace moat::cli::commands {
namespace {

int run(Context& ctx) {
  auto service = make_sandbox_service(ctx);
  print_snapshot(ctx.out(), service->snapshot(ctx.arg("name"), ctx.arg("snapshot")));
  return to_int(ExitCode::ok);
}

}  // namespace

Command sandbox_snapshot() {
  return {
      .path = {"sandbox", "snapshot"},
      .summary = "Keep a sandbox's filesystem and volumes as a named snapshot",
      .description =
          "Keeps the sandbox's root filesystem and a copy of each mount moat made for it:\n"
          "its volumes (the inner Docker store of a DinD sandbox), its workspace and its\n"
          "home. Other binds are the host's and are not copied, nor is a tmpfs (gVisor's\n"
          "and Kata's inner Docker store). A running sandbox is paused while it is\n"
          "copied, so the parts agree. 'moat sandbox restore' makes new sandboxes from\n"
          "it. Exits 66 for no such sandbox, 1 when the snapshot name is taken.",
      .options = {},
      .positionals = {sandbox_name_positional(),
                      {.name = "snapshot", .description = "the snapshot's name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)"}},
      .run = run,
  };
}

}  // namespace moat::cli::commands
