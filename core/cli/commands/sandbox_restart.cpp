// moat sandbox restart NAME [--timeout S]: stop and start again; the
// workspace, home, volumes and an inner Docker engine's images survive.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"

#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;
namespace {

int run(Context& ctx) {
  auto service = make_sandbox_service(ctx);
  const std::string name = ctx.arg("name");
  service->restart(name, ctx.vars()["timeout"].as<double>());
  print_sandbox(ctx.out(), service->inspect(name));
  return to_int(ExitCode::ok);
}

}  // namespace

Command sandbox_restart() {
  return {
      .path = {"sandbox", "restart"},
      .summary = "Restart a sandbox",
      .description =
          "Stops (waiting up to --timeout seconds) and starts the sandbox again, and\n"
          "its inner Docker engine when it has one.",
      .options =
          [](po::options_description& d) {
            d.add_options()("timeout", po::value<double>()->default_value(10)->value_name("S"),
                            "seconds to wait before killing");
          },
      .positionals = {sandbox_name_positional()},
      .run = run,
  };
}

}  // namespace moat::cli::commands
