// moat plugins list: every plugin file found, usable or not, with the reason.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "plugin_views.hpp"

namespace moat::cli::commands {
namespace {

int run(Context& ctx) {
  const auto options = ctx.registry_options();  // for the search dirs shown in JSON
  const auto& records = ctx.registry().records();
  Output& out = ctx.out();
  if (out.json()) {
    nlohmann::json dirs = nlohmann::json::array();
    for (const auto& d : options.search_dirs) dirs.push_back(d.string());
    out.document(
        {{"plugins", records_json(records)}, {"search_dirs", dirs}, {"cache_file", options.cache_file.string()}});
  } else if (out.quiet()) {
    for (const auto& r : records)
      if (r.ok()) out.line(r.id);
  } else if (records.empty()) {
    out.line("no plugins found (see 'moat plugins list -o json' for the search dirs)");
  } else {
    out.table(records_table(records));
  }
  // Listing succeeded even when some plugins did not: the STATUS column and
  // `moat plugins check` (exit 1 on any failure) are for that.
  return to_int(ExitCode::ok);
}

}  // namespace

Command plugins_list() {
  return {
      .path = {"plugins", "list"},
      .summary = "List plugins found, their status, and why any failed",
      .description =
          "Plugins are searched in: --plugin-path dirs, $MOAT_PLUGIN_PATH (colon-\n"
          "separated), the config's plugin_dirs, then <moat>/../lib/moat/plugins.\n"
          "Each file is first examined in a child process; verdicts are cached by\n"
          "path, size and mtime in $XDG_CACHE_HOME/moat/plugin-cache.json.\n"
          "Exits 0 even when some plugins failed (see 'moat plugins check').\n"
          "With -q, only the ids of usable plugins.",
      .options = {},
      .positionals = {},
      .run = run,
  };
}

}  // namespace moat::cli::commands
