// moat gc [--run-id ID | --all] [--dry-run]: removes what moat left behind
// and no one owns (core's sweep, moat/core/sweep.hpp, says exactly what);
// never a sandbox a user created, unless --all.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "../usage_error.hpp"
#include "sandbox_support.hpp"

#include <moat/core/sweep.hpp>

#include <fmt/format.h>
#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;
using json = nlohmann::json;
namespace {

constexpr const char* kHelpFor = "gc";

const char* scope_name(core::SweepScope scope) {
  switch (scope) {
    case core::SweepScope::leftovers:
      return "leftovers";
    case core::SweepScope::run:
      return "run";
    case core::SweepScope::all:
      return "all";
  }
  return "leftovers";
}

int run(Context& ctx) {
  core::SweepOptions options;
  options.dry_run = flag(ctx, "dry-run");
  options.run_id = option_value(ctx, "run-id");
  const bool all = flag(ctx, "all");
  if (all && !options.run_id.empty()) throw UsageError("--all and --run-id cannot go together", kHelpFor);
  options.scope =
      all ? core::SweepScope::all : (options.run_id.empty() ? core::SweepScope::leftovers : core::SweepScope::run);
  const core::CreationJournal journal(core::CreationJournal::default_dir());
  options.journal = &journal;
  options.cancelled = [&ctx] { return ctx.cancelled(); };
  // An engine setting moat cannot use (DOCKER_HOST=ssh://...) is the
  // environment's fault: one line and exit 65, before any plugin is asked.
  (void)engine_client_options(ctx.config());
  auto service = make_sandbox_service(ctx);
  const core::SweepResult s = core::sweep(*service, options);

  Output& out = ctx.out();
  if (out.json()) {
    json sandboxes = json::array();
    for (const auto& b : s.sandboxes) sandboxes.push_back({{"runtime", b.runtime}, {"name", b.name}});
    out.document({{"dry_run", options.dry_run},
                  {"scope", scope_name(options.scope)},
                  {"run_id", options.run_id},
                  {"containers", s.containers},
                  {"volumes", s.volumes},
                  {"networks", s.networks},
                  {"snapshots", s.snapshots},
                  {"sandboxes", sandboxes},
                  {"counts",
                   {{"containers", s.containers.size()},
                    {"volumes", s.volumes.size()},
                    {"networks", s.networks.size()},
                    {"snapshots", s.snapshots.size()},
                    {"sandboxes", s.sandboxes.size()}}},
                  {"engine_error", s.engine_error ? json(s.engine_error->what()) : json(nullptr)},
                  {"errors", s.errors}});
  } else if (!out.quiet()) {
    if (options.dry_run)
      for (const auto& line : s.found()) out.line("would remove " + line);
    out.line(fmt::format("{} {} containers, {} volumes, {} networks, {} snapshots, {} runtime-kept sandboxes",
                         options.dry_run ? "would remove" : "removed", s.containers.size(), s.volumes.size(),
                         s.networks.size(), s.snapshots.size(), s.sandboxes.size()));
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
    ("run-id", po::value<std::string>()->value_name("ID"), "only what carries moat.run-id=ID (one bench or matrix run)")
    ("all", po::bool_switch(), "everything moat made, users' sandboxes and their volumes too")
    ("dry-run", po::bool_switch(), "list what would be removed; remove nothing");
  // clang-format on
}

}  // namespace

Command gc() {
  return {
      .path = {"gc"},
      .summary = "Remove what moat left behind (never a user's sandbox unless --all)",
      .description =
          "Without options, removes what moat left behind and no one owns: the containers,\n"
          "volumes and networks of bench and matrix runs (labelled moat.run-id; also of a\n"
          "run still going: use --run-id to name one), sandboxes that a killed 'moat\n"
          "sandbox create' left half-made, and volumes made for a sandbox that no longer\n"
          "exists. Sandboxes made with 'moat sandbox create', and their volumes, stay:\n"
          "remove them with 'moat sandbox rm', or everything moat made with --all.\n"
          "--run-id ID removes one run's objects only. Runtime-kept sandboxes (the host\n"
          "runtime's scratch directories) follow the same rules. Snapshots are kept on\n"
          "purpose: only --all removes them. Images prepared by\n"
          "'moat image prepare' are caches and stay. Everything is listed and removed\n"
          "through the plugins (each lists what its backend keeps). Prints the counts.\n"
          "Exits 69 when the engine cannot be reached (runtime-kept sandboxes are still\n"
          "handled), 1 when something could not be removed.",
      .options = options,
      .positionals = {},
      .run = run,
  };
}

}  // namespace moat::cli::commands
