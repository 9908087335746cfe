// moat sandbox logs NAME: the main process's output, stdout to stdout and
// stderr to stderr.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"

namespace moat::cli::commands {
namespace {

int run(Context& ctx) {
  auto service = make_sandbox_service(ctx);
  const LogsResult logs = service->logs(ctx.arg("name"));
  if (ctx.out().json()) {
    ctx.out().document({{"stdout", logs.stdout_data}, {"stderr", logs.stderr_data}});
  } else {
    ctx.out_stream() << logs.stdout_data << std::flush;
    ctx.err() << logs.stderr_data << std::flush;
  }
  return to_int(ExitCode::ok);
}

}  // namespace

Command sandbox_logs() {
  return {
      .path = {"sandbox", "logs"},
      .summary = "Print a sandbox's main-process output",
      .description =
          "The output so far, as the runtime kept it: stdout to stdout, stderr to\n"
          "stderr (-o json: {\"stdout\", \"stderr\"}).",
      .options = {},
      .positionals = {sandbox_name_positional()},
      .run = run,
  };
}

}  // namespace moat::cli::commands
