// moat gc [--run-id ID] [--dry-run]: removes what moat left behind - every
// engine container, volume and network labelled moat.managed=true (of one
// run, with --run-id), and the sandboxes runtimes keep outside the engine
// (the host runtime's scratch directories).
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"

#include <moat/core/sweep.hpp>
#include <moat/engine/docker_client.hpp>

#include <fmt/format.h>
#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;
using json = nlohmann::json;
namespace {

int run(Context& ctx) {
  core::SweepOptions options;
  options.dry_run = flag(ctx, "dry-run");
  options.run_id = option_value(ctx, "run-id");
  options.cancelled = [&ctx] { return ctx.cancelled(); };
  engine::DockerClient client(engine_client_options(ctx.config()));
  auto service = make_sandbox_service(ctx);
  const core::SweepResult s = core::sweep(&client, service.get(), options);

  Output& out = ctx.out();
  if (out.json()) {
    json sandboxes = json::array();
    for (const auto& b : s.sandboxes) sandboxes.push_back({{"runtime", b.runtime}, {"name", b.name}});
    out.document({{"dry_run", options.dry_run},
                  {"run_id", options.run_id},
                  {"containers", s.containers},
                  {"volumes", s.volumes},
                  {"networks", s.networks},
                  {"sandboxes", sandboxes},
                  {"counts",
                   {{"containers", s.containers.size()},
                    {"volumes", s.volumes.size()},
                    {"networks", s.networks.size()},
                    {"sandboxes", s.sandboxes.size()}}},
                  {"engine_error", s.engine_error ? json(s.engine_error->what()) : json(nullptr)},
                  {"errors", s.errors}});
  } else if (!out.quiet()) {
    if (options.dry_run)
      for (const auto& line : s.found()) out.line("would remove " + line);
    out.line(fmt::format("{} {} containers, {} volumes, {} networks, {} runtime-kept sandboxes",
                         options.dry_run ? "would remove" : "removed", s.containers.size(), s.volumes.size(),
                         s.networks.size(), s.sandboxes.size()));
  }
  for (const auto& e : s.errors) ctx.err() << "moat: gc: " << e << '\n';
  if (s.interrupted) {
    ctx.err() << "moat: interrupted; run 'moat gc' again to finish\n";
    return to_int(ExitCode::interrupted);
  }
  if (s.engine_error) {
    ctx.err() << "moat: " << s.engine_error->what() << '\n';
    return to_int(exit_code_for(s.engine_error->status()));
  }
  return to_int(s.errors.empty() ? ExitCode::ok : ExitCode::failed);
}

void options(po::options_description& d) {
  // clang-format off
  d.add_options()
    ("run-id", po::value<std::string>()->value_name("ID"), "only what carries moat.run-id=ID")
    ("dry-run", po::bool_switch(), "list what would be removed; remove nothing");
  // clang-format on
}

}  // namespace

Command gc() {
  return {
      .path = {"gc"},
      .summary = "Remove everything moat left behind",
      .description =
          "Removes every engine container, volume and network labelled moat.managed=true\n"
          "(with --run-id, only those also labelled moat.run-id=ID), then the sandboxes\n"
          "runtimes keep outside the engine (the host runtime's scratch directories).\n"
          "Images prepared by 'moat image prepare' are caches and stay. Prints the\n"
          "counts. Exits 69 when the engine cannot be reached (runtime-kept sandboxes\n"
          "are still removed), 1 when something could not be removed.",
      .options = options,
      .positionals = {},
      .run = run,
  };
}

}  // namespace moat::cli::commands
