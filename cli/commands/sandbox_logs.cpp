// moat sandbox logs NAME: the main process's output, stdout to stdout and
// stderr to stderr.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "../usage_error.hpp"
#include "sandbox_support.hpp"
#include "streamed_output.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <regex>

#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;
namespace {

constexpr const char* kHelpFor = "sandbox logs";

// --since: a Unix time, or a duration ago (90s, 10m, 2h, 1d), as docker logs.
std::int64_t parse_since(const std::string& text) {
  static const std::regex form(R"(([0-9]+)([smhd]?))");
  std::smatch m;
  if (!std::regex_match(text, m, form))
    throw UsageError("--since '" + text + "': give a Unix time or a duration ago such as 90s, 10m, 2h or 1d", kHelpFor);
  const std::int64_t n = std::stoll(m[1].str());
  if (m[2].str().empty()) return n;
  const std::int64_t unit = m[2] == "s" ? 1 : m[2] == "m" ? 60 : m[2] == "h" ? 3600 : 86400;
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return now.count() - n * unit;
}

int run(Context& ctx) {
  LogsRequest request;
  request.name = ctx.arg("name");
  if (ctx.vars().count("tail") != 0) request.tail = ctx.vars()["tail"].as<std::uint64_t>();
  if (auto since = option_value(ctx, "since"); !since.empty()) request.since = parse_since(since);
  request.follow = flag(ctx, "follow");
  if (request.follow && ctx.out().json())
    throw UsageError("--follow prints the log as it comes; it has no -o json form", kHelpFor);
  auto service = make_sandbox_service(ctx);
  // Streamed as it comes when the runtime can (ABI 1.1): nothing is held, and
  // --follow and --since need it.
  const bool stream = !ctx.out().json() && service->owner(request.name).supports("sandbox_logs_stream");
  if (!stream && (request.follow || request.since))
    throw moat::Error(MOAT_E_UNSUPPORTED, "runtime '" + service->owner(request.name).id() +
                                              "' cannot stream logs, so it has no --follow or --since");
  LogsResult logs;
  std::optional<StreamedOutput> streamed;
  try {
    if (stream) {
      streamed.emplace(ctx);
      service->logs_stream(request, streamed->sink());
    } else {
      logs = service->logs(request.name, request.tail);
    }
  } catch (const core::Cancelled& e) {
    ctx.err() << "moat: " << e.what() << '\n';
    return to_int(ExitCode::interrupted);
  } catch (const moat::Error&) {
    if (streamed && streamed->reader_gone()) return to_int(ExitCode::reader_gone);
    throw;
  }
  if (streamed) return to_int(streamed->reader_gone() ? ExitCode::reader_gone : ExitCode::ok);
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
    ("tail", po::value<std::uint64_t>()->value_name("N"), "only the last N lines of each stream")
    ("follow,f", po::bool_switch(), "go on printing what comes until the sandbox stops (Ctrl-C ends it)")
    ("since", po::value<std::string>()->value_name("T"),
       "only lines from T on: a Unix time, or a duration ago (90s, 10m, 2h, 1d)");
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
          "last N lines. On runtimes whose plugin streams logs (all Docker-backed\n"
          "ones) the log is passed through as it comes instead, with no cap, and\n"
          "--follow and --since work; a reader that goes away (| head) ends it with\n"
          "exit 141.",
      .options = options,
      .positionals = {sandbox_name_positional()},
      .run = run,
  };
}

}  // namespace moat::cli::commands
