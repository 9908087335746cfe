// moat network connect|disconnect NETWORK SANDBOX: a running sandbox joins
// or leaves a network (docker network connect's argument order).
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"

namespace moat::cli::commands {
namespace {

int report(Context& ctx, const char* verb, const std::string& network, const std::string& sandbox) {
  Output& out = ctx.out();
  if (out.json())
    out.document(core::network_action_json(network, sandbox, verb));
  else if (!out.quiet())
    out.line(std::string(verb) + " " + sandbox + (std::string(verb) == "connected" ? " to " : " from ") + network);
  return to_int(ExitCode::ok);
}

int connect(Context& ctx) {
  auto service = make_sandbox_service(ctx);
  service->connect_network(ctx.arg("sandbox"), ctx.arg("network"));
  return report(ctx, "connected", ctx.arg("network"), ctx.arg("sandbox"));
}

int disconnect(Context& ctx) {
  auto service = make_sandbox_service(ctx);
  service->disconnect_network(ctx.arg("sandbox"), ctx.arg("network"));
  return report(ctx, "disconnected", ctx.arg("network"), ctx.arg("sandbox"));
}

std::vector<Positional> positionals() {
  return {{.name = "network", .description = "an engine network's name ('moat network ls' lists moat's)"},
          {.name = "sandbox", .description = "the sandbox's name"}};
}

}  // namespace

Command network_connect() {
  return {
      .path = {"network", "connect"},
      .summary = "Attach a sandbox to a network",
      .description =
          "The sandbox reaches the network's other sandboxes by name at once, without a\n"
          "restart. Exits 66 when the network or the sandbox does not exist, 69 when its\n"
          "runtime cannot attach networks (the host runtime; gVisor on the\n"
          "--network=none fallback).",
      .options = {},
      .positionals = positionals(),
      .run = connect,
  };
}

Command network_disconnect() {
  return {
      .path = {"network", "disconnect"},
      .summary = "Detach a sandbox from a network",
      .description = "Exits 66 when the network or the sandbox does not exist.",
      .options = {},
      .positionals = positionals(),
      .run = disconnect,
  };
}

}  // namespace moat::cli::commands
