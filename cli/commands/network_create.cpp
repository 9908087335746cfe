// moat network create NAME [--internal] [--label K=V]...: a bridge network
// moat makes and labels, which sandboxes join with --network or
// 'moat network connect'.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "network_views.hpp"
#include "sandbox_support.hpp"

#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;
namespace {

int run(Context& ctx) {
  NetworkSpec spec;
  spec.name = ctx.arg("name");
  spec.internal = flag(ctx, "internal");
  spec.labels = key_values(option_values(ctx, "label"), "--label", "network create");
  auto service = make_sandbox_service(ctx);
  print_network(ctx.out(), service->create_network(spec, option_value(ctx, "runtime")));
  return to_int(ExitCode::ok);
}

void options(po::options_description& d) {
  // clang-format off
  d.add_options()
    ("internal", po::bool_switch(), "no route out of the network (sandboxes on it reach only each other)")
    ("label", po::value<std::vector<std::string>>()->value_name("K=V")->composing(),
       "label on the network (repeatable; moat.* labels are moat's)")
    ("runtime", po::value<std::string>()->value_name("ID"),
       "the runtime plugin that makes it (default: the configured default_runtime); on one Docker engine "
       "every runtime's sandboxes can join it");
  // clang-format on
}

}  // namespace

Command network_create() {
  return {
      .path = {"network", "create"},
      .summary = "Create a network sandboxes can join",
      .description =
          "Makes a bridge network, labelled moat.managed=true, on the engine of the\n"
          "runtime's plugin. Sandboxes on it reach each other by name. Join it at\n"
          "create time (--network NAME) or later ('moat network connect'). Exits 65 for\n"
          "a bad name or label, 1 when the name is taken, 69 when the runtime has no\n"
          "networks (the host runtime) or its engine is unavailable.",
      .options = options,
      .positionals = {{.name = "name", .description = "the network's name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)"}},
      .run = run,
  };
}

}  // namespace moat::cli::commands
