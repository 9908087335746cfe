// moat sandbox create NAME --runtime ID --image IMG [...] [--start]: one
// sandbox from the command line, through the sandbox service (host policy,
// availability, rollback on failure or Ctrl-C).
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "../usage_error.hpp"
#include "sandbox_spec_options.hpp"
#include "sandbox_support.hpp"

#include <moat/core/sandbox_service.hpp>

#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;
namespace {

constexpr const char* kHelpFor = "sandbox create";

int run(Context& ctx) {
  SandboxSpec spec = spec_from_options(ctx, kHelpFor);
  spec.image = option_value(ctx, "image");
  if (spec.image.empty())
    throw UsageError("missing --image IMG (e.g. moat/base:busybox; see 'moat image prepare')", kHelpFor);
  auto service = make_sandbox_service(ctx);
  try {
    print_sandbox(ctx.out(), service->create(std::move(spec), flag(ctx, "start")));
  } catch (const core::Cancelled& e) {
    ctx.err() << "moat: " << e.what() << '\n';
    return to_int(ExitCode::interrupted);
  }
  return to_int(ExitCode::ok);
}

void options(po::options_description& d) {
  d.add_options()("image", po::value<std::string>()->value_name("IMG"), "image to run (required)");
  add_spec_options(d);
  d.add_options()("start", po::bool_switch(), "start it after creating it");
}

}  // namespace

Command sandbox_create() {
  return {
      .path = {"sandbox", "create"},
      .summary = "Create a sandbox (and with --start, start it)",
      .description =
          "The host checks the request before any plugin sees it (names, user, absolute\n"
          "existing host paths without '..', allowed_bind_roots after resolving symlinks)\n"
          "and applies its policy: binds of /, /etc, /proc, /sys, /dev, /boot, the engine's\n"
          "socket and data root, --network host and container:<name> are refused unless\n"
          "the configuration's policy section allows them. Then it checks the runtime is\n"
          "available here (its probe), then creates. On any failure, and on Ctrl-C, nothing\n"
          "of it is left behind. Everything is labelled moat.managed=true. Exits 65 for\n"
          "rejected input (the line names the policy key that allows it), 66 for a missing\n"
          "image, 69 for an unknown runtime or when the runtime or the engine is\n"
          "unavailable, 130 when interrupted.\n"
          "A command after '--' is the sandbox's main process (the image's entrypoint\n"
          "applies, or --entrypoint's), as with docker run; without either the sandbox\n"
          "runs a keep-alive that exits on SIGTERM, for exec.\n"
          "A runtime honours only the fields its plugin declares ('moat plugins info ID'):\n"
          "--cpus on the host runtime, say, exits 65 rather than be ignored.",
      .options = options,
      .positionals = {sandbox_name_positional(),
                      {.name = "cmd",
                       .description = "the main process and its arguments, after '--' (default: a keep-alive)",
                       .required = false,
                       .repeatable = true}},
      .run = run,
  };
}

}  // namespace moat::cli::commands
