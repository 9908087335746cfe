// moat serve [--socket PATH] [--group NAME] [--probe-ttl S]: the sandbox,
// network, snapshot, runtime and plugin operations as an HTTP/JSON API on a
// unix socket, for platforms that drive sandboxes from another language
// (docs/api.md, docs/openapi.json). Runs until SIGTERM or Ctrl-C, then
// finishes what is in flight.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "../usage_error.hpp"

#include <moat/core/host_api.hpp>
#include <moat/core/plugin_registry.hpp>
#include <moat/core/probe_cache.hpp>
#include <moat/core/sandbox_service.hpp>
#include <moat/serve/api.hpp>
#include <moat/serve/server.hpp>

#include <atomic>
#include <cmath>

#include <spdlog/spdlog.h>
#include <boost/program_options/value_semantic.hpp>

#ifndef MOAT_VERSION
#error "MOAT_VERSION must be defined by the build"
#endif

namespace moat::cli::commands {
namespace po = boost::program_options;
namespace {

constexpr const char* kHelpFor = "serve";

int run(Context& ctx) {
  const double ttl_s = ctx.vars()["probe-ttl"].as<double>();
  if (!std::isfinite(ttl_s) || ttl_s < 0) throw UsageError("--probe-ttl must be a number of seconds >= 0", kHelpFor);
  serve::ServerOptions options;
  options.socket = ctx.vars()["socket"].as<std::string>();
  options.group = ctx.vars()["group"].as<std::string>();
  options.server_name = std::string("moat/") + MOAT_VERSION;

  // The server's own registry, whose plugins are never told to cancel: on
  // SIGTERM the requests in flight finish (a second signal ends the process,
  // and systemd's stop timeout bounds the wait). Built before any request
  // thread runs, and shared read-only; the host API outlives every plugin
  // instance.
  const core::Config& config = ctx.config();
  const std::atomic<bool> never{false};
  const core::HostApi host_api(nullptr, &never);
  core::RegistryOptions registry_options = ctx.registry_options();
  registry_options.cancel = &never;
  registry_options.host_api = host_api.get();
  core::PluginRegistry registry(registry_options);
  registry.discover();
  auto probes = std::make_shared<core::ProbeCache>(std::chrono::milliseconds(std::llround(ttl_s * 1000)));
  // No cancellation predicate: on SIGTERM the requests in flight finish.
  serve::ServicePool pool([&] { return std::make_unique<core::SandboxService>(registry, config); }, probes);
  serve::Api api(pool, registry, MOAT_VERSION, config.default_runtime);
  serve::Server server(api, options, ctx.cancel_flag());
  spdlog::info("moat serve: listening on unix://{} (mode 0660, group {}), probe verdicts kept {} s",
               options.socket.string(), options.group.empty() ? "of this process" : options.group, ttl_s);
  ctx.err() << "moat serve: listening on unix://" << options.socket.string() << '\n' << std::flush;
  server.run();
  ctx.err() << "moat serve: stopped\n";
  return to_int(ExitCode::ok);
}

void options(po::options_description& d) {
  // clang-format off
  d.add_options()
    ("socket", po::value<std::string>()->value_name("PATH")->default_value("/run/moat/moat.sock"),
       "the unix socket to listen on (its directory is created)")
    ("group", po::value<std::string>()->value_name("NAME")->default_value("moat"),
       "the socket's group: members may use the API (empty: this process's group)")
    ("probe-ttl", po::value<double>()->value_name("S")->default_value(30),
       "seconds a runtime's availability verdict is reused before it is probed again (0: every create probes)");
  // clang-format on
}

}  // namespace

Command serve() {
  return {
      .path = {"serve"},
      .summary = "Serve the API on a unix socket",
      .description =
          "Serves every sandbox, network, snapshot, runtime and plugin operation as\n"
          "HTTP/1.1 and JSON on a unix socket, and interactive exec as a WebSocket\n"
          "(GET /sandboxes/NAME/exec/ws). The socket is mode 0660, owned by this\n"
          "user and --group: who may open it may drive every sandbox, as with\n"
          "dockerd's socket. GET /openapi.json describes the API; errors are JSON\n"
          "{\"error\": {\"code\", \"message\"}} with the CLI's codes and messages.\n"
          "Runs until SIGTERM or Ctrl-C; then stops accepting, lets requests in\n"
          "flight finish, ends interactive sessions and removes the socket. Exits 1\n"
          "when another server answers on the socket, 65 for a group that does not\n"
          "exist.",
      .options = options,
      .run = run,
  };
}

}  // namespace moat::cli::commands
