// moat plugins check [FILE...]: examine plugins afresh (each in a child
// process, bypassing the verdict cache) and say which would load.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "plugin_views.hpp"

#include <moat/core/plugin_registry.hpp>
#include <moat/error.hpp>

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

namespace moat::cli::commands {
namespace fs = std::filesystem;
namespace {

int run(Context& ctx) {
  auto options = ctx.registry_options();
  options.cache_file.clear();  // a check must not trust an earlier verdict
  core::PluginRegistry registry(options);

  std::vector<core::PluginRecord> records;
  const auto files = ctx.args("file");
  if (files.empty()) {
    registry.discover();
    records = registry.records();
  } else {
    std::vector<fs::path> paths;
    for (const auto& f : files) {
      std::error_code ec;
      if (!fs::exists(f, ec)) throw moat::Error(MOAT_E_NOT_FOUND, f + ": no such file");
      paths.emplace_back(fs::absolute(f, ec));
    }
    records = registry.check_files(paths);
  }
  if (ctx.cancelled()) {
    ctx.err() << "moat: interrupted\n";
    return to_int(ExitCode::interrupted);
  }

  const auto failed = static_cast<std::size_t>(
      std::count_if(records.begin(), records.end(), [](const core::PluginRecord& r) { return !r.ok(); }));
  Output& out = ctx.out();
  if (out.json()) {
    out.document(
        {{"ok", failed == 0}, {"checked", records.size()}, {"failed", failed}, {"plugins", records_json(records)}});
  } else if (!out.quiet()) {
    if (records.empty()) {
      out.line("no plugins found");
    } else {
      out.table(records_table(records));
      out.line(fmt::format("{} checked, {} failed", records.size(), failed));
    }
  }
  return to_int(failed == 0 ? ExitCode::ok : ExitCode::failed);
}

}  // namespace

Command plugins_check() {
  return {
      .path = {"plugins", "check"},
      .summary = "Examine plugins afresh; exit 1 if any fails",
      .description =
          "Without FILE, every plugin in the search path is examined again (the\n"
          "verdict cache is not used). With FILEs, only those are examined; they\n"
          "need not be in the search path. Exits 0 when every plugin passed, 1 when\n"
          "any failed, 66 when a FILE does not exist. With -q, prints nothing.",
      .options = {},
      .positionals = {{.name = "file",
                       .description = "a plugin file (moat-<id>.so) to examine",
                       .required = false,
                       .repeatable = true}},
      .run = run,
  };
}

}  // namespace moat::cli::commands
