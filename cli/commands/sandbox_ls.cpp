// moat sandbox ls: every sandbox of every loaded runtime.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"

#include <set>

namespace moat::cli::commands {
namespace {

int run(Context& ctx) {
  auto service = make_sandbox_service(ctx);
  const core::SandboxListing listing = service->list();
  Output& out = ctx.out();
  if (out.json()) {
    out.document(core::listing_json(listing));
  } else if (out.quiet()) {
    for (const auto& s : listing.sandboxes) out.line(s.name);
  } else if (!listing.sandboxes.empty()) {
    Table t({"NAME", "RUNTIME", "ENGINE RUNTIME", "STATE", "IMAGE"});
    for (const auto& s : listing.sandboxes)
      t.add_row({s.name, s.runtime, s.engine_runtime.empty() ? "-" : s.engine_runtime,
                 Cell(s.state, s.running ? Style::good : Style::plain), s.image.empty() ? "-" : s.image});
    out.table(t);
  } else if (listing.failures.empty()) {
    out.line("no sandboxes");
  }
  // One line per distinct reason (every Docker-backed runtime says the same
  // when the engine is down).
  std::set<std::string> said;
  for (const auto& [id, e] : listing.failures)
    if (said.insert(e.what()).second) ctx.err() << "moat: runtime " << id << " could not list: " << e.what() << '\n';
  if (listing.failures.empty()) return to_int(ExitCode::ok);
  return to_int(exit_code_for(listing.failures.front().second.status()));
}

}  // namespace

Command sandbox_ls() {
  return {
      .path = {"sandbox", "ls"},
      .summary = "List the sandboxes of every runtime",
      .description =
          "Asks every loaded runtime for its sandboxes. A runtime that cannot answer\n"
          "(e.g. the engine is down) gets one line on stderr and the exit code says\n"
          "so (69), while the others are still listed. -o json: {\"sandboxes\": [...],\n"
          "\"errors\": [{\"runtime\", \"code\", \"message\"}]}.",
      .options = {},
      .positionals = {},
      .run = run,
  };
}

}  // namespace moat::cli::commands
