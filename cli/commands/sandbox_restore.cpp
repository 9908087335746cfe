// moat sandbox restore SNAPSHOT NAME [create options] [-- CMD]: a new
// sandbox from a snapshot, checked and rolled back as a create is.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_spec_options.hpp"
#include "sandbox_support.hpp"

#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;
namespace {

int run(Context& ctx) {
  SandboxSpec spec = spec_from_options(ctx, "sandbox restore");
  auto service = make_sandbox_service(ctx);
  try {
    print_sandbox(ctx.out(), service->restore(ctx.arg("snapshot"), std::move(spec), flag(ctx, "start")));
  } catch (const core::Cancelled& e) {
    ctx.err() << "moat: " << e.what() << '\n';
    return to_int(ExitCode::interrupted);
  }
  return to_int(ExitCode::ok);
}

void options(po::options_description& d) {
  add_spec_options(d);
  d.add_options()("start", po::bool_switch(), "start it after restoring it");
}

}  // namespace

Command sandbox_restore() {
  return {
      .path = {"sandbox", "restore"},
      .summary = "Create a sandbox from a snapshot",
      .description =
          "The new sandbox runs the snapshot's filesystem, on the snapshot's runtime\n"
          "unless --runtime names another on the same engine. Each mount the snapshot\n"
          "kept comes back where it was, as a fresh copy in a volume of the new sandbox\n"
          "(removed with it); with --workspace or --home, that directory, which must be\n"
          "empty, receives the copy instead. A DinD snapshot restores with its inner\n"
          "dockerd and images. The snapshot stays as it was. The other options are\n"
          "create's, checked the same way; on failure or Ctrl-C nothing is left. Exits\n"
          "66 for no such snapshot, 1 when NAME is taken or a directory is not empty.",
      .options = options,
      .positionals = {{.name = "snapshot", .description = "the snapshot's name ('moat snapshot ls' lists them)"},
                      {.name = "name", .description = "the new sandbox's name"},
                      {.name = "cmd",
                       .description = "the main process and its arguments, after '--' (default: the snapshot's)",
                       .required = false,
                       .repeatable = true}},
      .run = run,
  };
}

}  // namespace moat::cli::commands
