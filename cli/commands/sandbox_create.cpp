// moat sandbox create NAME --runtime ID --image IMG [...] [--start]: one
// sandbox from the command line, through the sandbox service (host policy,
// availability, rollback on failure or Ctrl-C).
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "../usage_error.hpp"
#include "create_flags.hpp"
#include "sandbox_support.hpp"

#include <moat/core/sandbox_service.hpp>

#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;
namespace {

constexpr const char* kHelpFor = "sandbox create";

SandboxSpec spec_from(Context& ctx) {
  SandboxSpec spec;
  spec.name = ctx.arg("name");
  spec.runtime = option_value(ctx, "runtime");
  spec.image = option_value(ctx, "image");
  if (spec.image.empty())
    throw UsageError("missing --image IMG (e.g. moat/base:busybox; see 'moat image prepare')", kHelpFor);
  spec.hostname = option_value(ctx, "hostname");
  spec.user = option_value(ctx, "user");
  spec.workspace = option_value(ctx, "workspace");
  spec.home = option_value(ctx, "home");
  spec.network = option_value(ctx, "network");
  spec.env = key_values(option_values(ctx, "env"), "-e", kHelpFor);
  spec.labels = key_values(option_values(ctx, "label"), "--label", kHelpFor);
  for (const auto& v : option_values(ctx, "bind")) spec.mounts.push_back(parse_bind(v, kHelpFor));
  for (const auto& v : option_values(ctx, "volume")) spec.mounts.push_back(parse_volume(v, kHelpFor));
  spec.dind = flag(ctx, "dind");
  // After '--', as with docker run: the main process instead of the keep-alive.
  spec.command = ctx.args("cmd");
  // --entrypoint "" is given but empty: it clears the image's entrypoint.
  if (ctx.vars().count("entrypoint") != 0U) {
    const std::string entrypoint = option_value(ctx, "entrypoint");
    spec.entrypoint = entrypoint.empty() ? std::vector<std::string>{} : std::vector<std::string>{entrypoint};
  }
  if (auto v = option_value(ctx, "cpus"); !v.empty()) spec.limits.cpus = parse_cpus(v, kHelpFor);
  if (auto v = option_value(ctx, "memory"); !v.empty())
    spec.limits.memory_bytes = parse_memory_size(v, "--memory", kHelpFor);
  if (auto v = option_value(ctx, "pids-limit"); !v.empty()) spec.limits.pids = parse_count(v, "--pids-limit", kHelpFor);
  spec.restart = option_value(ctx, "restart");
  for (const auto& v : option_values(ctx, "publish")) spec.ports.push_back(parse_publish(v, kHelpFor));
  return spec;
}

int run(Context& ctx) {
  SandboxSpec spec = spec_from(ctx);
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
  // clang-format off
  d.add_options()
    ("runtime", po::value<std::string>()->value_name("ID"),
       "runtime plugin id (default: the configured default_runtime, sysbox)")
    ("image", po::value<std::string>()->value_name("IMG"), "image to run (required)")
    ("workspace", po::value<std::string>()->value_name("DIR"), "host directory bound at /workspace")
    ("home", po::value<std::string>()->value_name("DIR"), "host directory bound at the user's home")
    ("user", po::value<std::string>()->value_name("U"), "home owner: home is /home/U (default /root)")
    ("hostname", po::value<std::string>()->value_name("H"), "hostname inside (default: NAME)")
    ("bind,v", po::value<std::vector<std::string>>()->value_name("SRC:DST[:ro]")->composing(),
       "bind host path SRC (absolute) at DST (repeatable)")
    ("volume", po::value<std::vector<std::string>>()->value_name("NAME:DST[:ro]")->composing(),
       "mount named volume NAME at DST; created when missing (repeatable)")
    ("env,e", po::value<std::vector<std::string>>()->value_name("K=V")->composing(),
       "environment variable (repeatable)")
    ("network", po::value<std::string>()->value_name("NET"), "engine network to join (default: the engine's)")
    ("label", po::value<std::vector<std::string>>()->value_name("K=V")->composing(),
       "label on the sandbox (repeatable; moat.* labels are moat's)")
    ("dind", po::bool_switch(), "run Docker inside the sandbox")
    ("entrypoint", po::value<std::string>()->value_name("CMD"),
       "replace the image's entrypoint (\"\" clears it); the command after '--' is its arguments")
    ("cpus", po::value<std::string>()->value_name("N"), "CPU limit, e.g. 1.5")
    ("memory,m", po::value<std::string>()->value_name("SIZE"),
       "memory limit, swap included, e.g. 512m or 1g; past it the kernel kills")
    ("pids-limit", po::value<std::string>()->value_name("N"), "most processes and threads at once")
    ("restart", po::value<std::string>()->value_name("POLICY"),
       "no (default), always, unless-stopped or on-failure[:N]")
    ("publish,p", po::value<std::vector<std::string>>()->value_name("PORT")->composing(),
       "publish a port: [IP:][HOST_PORT:]PORT[/tcp|udp|sctp]; without HOST_PORT the engine picks one "
       "(repeatable)")
    ("start", po::bool_switch(), "start it after creating it");
  // clang-format on
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
