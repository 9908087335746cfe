#include "sandbox_spec_options.hpp"

#include "create_flags.hpp"
#include "sandbox_support.hpp"

#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;

SandboxSpec spec_from_options(Context& ctx, const std::string& help_for) {
  SandboxSpec spec;
  spec.name = ctx.arg("name");
  spec.runtime = option_value(ctx, "runtime");
  spec.hostname = option_value(ctx, "hostname");
  spec.user = option_value(ctx, "user");
  spec.workspace = option_value(ctx, "workspace");
  spec.home = option_value(ctx, "home");
  spec.network = option_value(ctx, "network");
  spec.env = key_values(option_values(ctx, "env"), "-e", help_for);
  spec.labels = key_values(option_values(ctx, "label"), "--label", help_for);
  for (const auto& v : option_values(ctx, "bind")) spec.mounts.push_back(parse_bind(v, help_for));
  for (const auto& v : option_values(ctx, "volume")) spec.mounts.push_back(parse_volume(v, help_for));
  spec.dind = flag(ctx, "dind");
  // After '--', as with docker run: the main process instead of the keep-alive.
  spec.command = ctx.args("cmd");
  // --entrypoint "" is given but empty: it clears the image's entrypoint.
  if (ctx.vars().count("entrypoint") != 0U) {
    const std::string entrypoint = option_value(ctx, "entrypoint");
    spec.entrypoint = entrypoint.empty() ? std::vector<std::string>{} : std::vector<std::string>{entrypoint};
  }
  if (auto v = option_value(ctx, "cpus"); !v.empty()) spec.limits.cpus = parse_cpus(v, help_for);
  if (auto v = option_value(ctx, "memory"); !v.empty())
    spec.limits.memory_bytes = parse_memory_size(v, "--memory", help_for);
  if (auto v = option_value(ctx, "pids-limit"); !v.empty()) spec.limits.pids = parse_count(v, "--pids-limit", help_for);
  spec.restart = option_value(ctx, "restart");
  for (const auto& v : option_values(ctx, "publish")) spec.ports.push_back(parse_publish(v, help_for));
  return spec;
}

void add_spec_options(po::options_description& d) {
  // clang-format off
  d.add_options()
    ("runtime", po::value<std::string>()->value_name("ID"),
       "runtime plugin id (default: the configured default_runtime, sysbox)")
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
       "(repeatable)");
  // clang-format on
}

}  // namespace moat::cli::commands
