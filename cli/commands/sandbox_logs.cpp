// moat sandbox logs NAME: the main process's output, stdout to stdout and
// stderr to stderr.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"

#include <cstdint>
#include <optional>

#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;
namespace {

int run(Context& ctx) {
  std::optional<std::uint64_t> tail;
  if (ctx.vars().count("tail") != 0) tail = ctx.vars()["tail"].as<std::uint64_t>();
  auto service = make_sandbox_service(ctx);
  LogsResult logs;
  try {
    logs = service->logs(ctx.arg("name"), tail);
  } catch (const core::Cancelled& e) {
    ctx.err() << "moat: " << e.what() << '\n';
    return to_int(ExitCode::interrupted);
  }
  if (ctx.out().json()) {
    ctx.out().document(nlohmann::json(logs));
  } else {
    ctx.out_stream() << logs.stdout_data << std::flush;
    ctx.err() << logs.stderr_data << std::flush;
  }
  warn_if_truncated(ctx, logs.truncated, "the log");
  return to_int(ExitCode::ok);
}

void options(po::options_description& d) {
  // clang-format off
  d.add_options()
    ("tail", po::value<std::uint64_t>()->value_name("N"), "only the last N lines of each stream");
  // clang-format on
}

}  // namespace

Command sandbox_logs() {
  return {
      .path = {"sandbox", "logs"},
      .summary = "Print a sandbox's main-process output",
      .description =
          "The output so far, as the runtime kept it: stdout to stdout, stderr to\n"
          "stderr (-o json: {\"stdout\", \"stderr\", \"truncated\"}). Each stream is\n"
          "kept up to a cap (64 MiB by default, the plugin's engine.max_output_bytes);\n"
          "past it the log is cut and moat warns on stderr. --tail N reads only the\n"
          "last N lines.",
      .options = options,
      .positionals = {sandbox_name_positional()},
      .run = run,
  };
}

}  // namespace moat::cli::commands
