// moat sandbox exec NAME [-e K=V] [-w DIR] [-u USER] [--timeout S] -- CMD...:
// runs CMD in the sandbox; its stdout and stderr go to moat's, kept apart,
// and its exit code is moat's.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "../usage_error.hpp"
#include "sandbox_support.hpp"
#include "streamed_output.hpp"
#include "terminal_input.hpp"

#include <cmath>
#include <optional>

#include <boost/program_options/value_semantic.hpp>

#include <unistd.h>

namespace moat::cli::commands {
namespace po = boost::program_options;
namespace {

constexpr const char* kHelpFor = "sandbox exec";

// A code outside 0-255 (a runtime's -1 for "unknown") cannot be an exit status.
int exit_status(int code) { return code < 0 || code > 255 ? to_int(ExitCode::failed) : code; }

// -i and/or -t: stdin passed on as it comes, and with -t a terminal (raw
// mode here, a TTY in the sandbox, its size kept in step).
int run_interactive(Context& ctx, core::SandboxService& service, ExecRequest request, bool read_stdin) {
  if (ctx.out().json()) throw UsageError("-i and -t print the command's bytes as they come, not -o json", kHelpFor);
  const bool stdin_is_tty = ::isatty(STDIN_FILENO) != 0;
  if (request.tty && read_stdin && !stdin_is_tty)
    throw UsageError("the input device is not a TTY: use -i without -t to pass piped input", kHelpFor);
  const int tty_fd = request.tty ? (stdin_is_tty ? STDIN_FILENO : STDOUT_FILENO) : -1;
  if (tty_fd >= 0)
    if (auto size = terminal_size(tty_fd)) {
      request.rows = size->first;
      request.cols = size->second;
    }
  TerminalInput input(STDIN_FILENO, read_stdin, tty_fd);
  StreamedOutput streamed(ctx);
  // Raw only when it is our terminal the keys come from.
  std::optional<RawTerminal> raw;
  if (request.tty && read_stdin) raw.emplace(STDIN_FILENO);
  ExecResult r;
  try {
    r = service.exec_interactive(request, input.source(), streamed.sink());
  } catch (const core::Cancelled& e) {
    raw.reset();
    ctx.err() << "moat: " << e.what() << '\n';
    return to_int(ExitCode::interrupted);
  } catch (const moat::Error&) {
    if (streamed.reader_gone()) return to_int(ExitCode::reader_gone);
    throw;
  }
  if (streamed.reader_gone()) return to_int(ExitCode::reader_gone);
  return exit_status(r.exit_code);
}

int run(Context& ctx) {
  ExecRequest request;
  request.name = ctx.arg("name");
  request.argv = ctx.args("cmd");
  if (request.argv.empty())
    throw UsageError("missing the command to run: moat sandbox exec NAME -- CMD [ARG...]", kHelpFor);
  request.env = key_values(option_values(ctx, "env"), "-e", kHelpFor);
  request.workdir = option_value(ctx, "workdir");
  request.user = option_value(ctx, "user");
  request.timeout_s = ctx.vars()["timeout"].as<double>();
  if (!(request.timeout_s >= 0) || !std::isfinite(request.timeout_s))
    throw UsageError("--timeout must be a number of seconds >= 0 (0: no limit)", kHelpFor);

  const bool interactive = flag(ctx, "interactive");
  request.tty = flag(ctx, "tty");
  auto service = make_sandbox_service(ctx);
  if (interactive || request.tty) return run_interactive(ctx, *service, request, interactive);
  ExecResult r;
  // The command's bytes as they are: no table, no sanitizing. Streamed as
  // they come when the runtime can (ABI 1.1), so no output is ever held whole.
  const bool stream = !ctx.out().json() && service->owner(request.name).supports("sandbox_exec_stream");
  std::optional<StreamedOutput> streamed;
  try {
    if (stream) {
      streamed.emplace(ctx);
      r = service->exec_stream(request, streamed->sink());
    } else {
      r = service->exec(request);
    }
  } catch (const core::Cancelled& e) {
    ctx.err() << "moat: " << e.what() << '\n';
    return to_int(ExitCode::interrupted);
  } catch (const moat::Error&) {
    if (streamed && streamed->reader_gone()) return to_int(ExitCode::reader_gone);
    throw;
  }
  if (streamed && streamed->reader_gone()) return to_int(ExitCode::reader_gone);
  if (ctx.out().json()) {
    ctx.out().document(nlohmann::json(r));
  } else if (!stream) {
    ctx.out_stream() << r.stdout_data << std::flush;
    ctx.err() << r.stderr_data << std::flush;
  }
  warn_if_truncated(ctx, r.truncated, "the command's output");
  return exit_status(r.exit_code);
}

void options(po::options_description& d) {
  // clang-format off
  d.add_options()
    ("interactive,i", po::bool_switch(), "pass stdin to the command as it comes (echo hi | ... -i -- cat)")
    ("tty,t", po::bool_switch(),
       "give the command a terminal; with -i, this terminal goes raw and every key (Ctrl-C too) goes to it")
    ("env,e", po::value<std::vector<std::string>>()->value_name("K=V")->composing(),
       "environment variable for the command (repeatable)")
    ("workdir,w", po::value<std::string>()->value_name("DIR"), "working directory inside the sandbox")
    ("user,u", po::value<std::string>()->value_name("USER"), "user to run as (name or uid[:gid])")
    ("timeout", po::value<double>()->default_value(0)->value_name("S"),
       "give up after S seconds (exit 75; 0 = no limit)");
  // clang-format on
}

}  // namespace

Command sandbox_exec() {
  return {
      .path = {"sandbox", "exec"},
      .summary = "Run a command in a sandbox; its exit code is moat's",
      .description =
          "Put the command after '--'. Its stdout goes to stdout and its stderr to\n"
          "stderr, unmixed; moat exits with the command's exit code. With -o json,\n"
          "prints {\"exit_code\", \"stdout\", \"stderr\", \"duration_ms\", \"truncated\"}\n"
          "and still exits with the command's code. Failures of moat itself use the\n"
          "usual codes (66: no such sandbox, 75: --timeout passed, 130: interrupted).\n"
          "When --timeout passes or moat is interrupted, the processes the command\n"
          "started in the sandbox are killed. The output is streamed as it comes on\n"
          "every runtime whose plugin can (all Docker-backed ones: 'moat plugins info ID'\n"
          "lists sandbox_exec_stream); when the reader goes away (| head) the command\n"
          "is killed and moat exits 141. Otherwise, and with -o json, each output\n"
          "stream is kept up to a cap (64 MiB by default, the plugin's\n"
          "engine.max_output_bytes); past it the output is cut and moat warns on stderr\n"
          "(-o json: \"truncated\": true).\n"
          "-i passes stdin on (its end closes the command's); -it gives an interactive\n"
          "terminal as docker exec -it does: raw keys, Ctrl-C reaching the command, the\n"
          "window size followed, and the command's exit code as moat's. Both need a\n"
          "plugin with sandbox_exec_interactive (all Docker-backed ones).",
      .options = options,
      .positionals = {sandbox_name_positional(),
                      {.name = "cmd",
                       .description = "the command and its arguments, after '--'",
                       .required = true,
                       .repeatable = true}},
      .run = run,
  };
}

}  // namespace moat::cli::commands
