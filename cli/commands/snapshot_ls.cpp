// moat snapshot ls: every runtime's snapshots.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"
#include "snapshot_views.hpp"

namespace moat::cli::commands {
namespace {

int run(Context& ctx) {
  auto service = make_sandbox_service(ctx);
  print_snapshots(ctx.out(), service->list_snapshots());
  return to_int(ExitCode::ok);
}

}  // namespace

Command snapshot_ls() {
  return {
      .path = {"snapshot", "ls"},
      .summary = "List snapshots",
      .description =
          "Every loaded runtime's snapshots ('moat sandbox snapshot' makes them). -o json:\n"
          "{\"snapshots\": [{\"name\", \"id\", \"runtime\", \"sandbox\", \"image\", \"created\",\n"
          "\"size_bytes\", \"dind\", \"user\", \"volumes\": [{\"target\", \"store\", \"kind\"}]}]}.",
      .options = {},
      .positionals = {},
      .run = run,
  };
}

}  // namespace moat::cli::commands
