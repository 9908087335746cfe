// moat sandbox stop NAME [--timeout S]: stops a sandbox; its workspace, home
// and volumes stay.
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
  service->stop(name, ctx.vars()["timeout"].as<double>());
  print_sandbox(ctx.out(), service->inspect(name));
  return to_int(ExitCode::ok);
}

}  // namespace

Command sandbox_stop() {
  return {
      .path = {"sandbox", "stop"},
      .summary = "Stop a sandbox (its data stays)",
      .description =
          "Asks the main process to stop and kills it after --timeout seconds. An inner\n"
          "Docker engine is shut down cleanly first. Stopping a stopped sandbox is not\n"
          "an error.",
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
