// moat runtimes: for every plugin, is its runtime usable on this host right
// now (probe()), and what does it declare (describe())?
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"

#include <moat/core/json_views.hpp>
#include <moat/core/runtime_handle.hpp>
#include <moat/model.hpp>

#include <algorithm>
#include <future>
#include <optional>

#include <spdlog/spdlog.h>

namespace moat::cli::commands {
namespace {

struct RuntimeRow {
  const core::PluginRecord* record;
  std::optional<ProbeResult> probe;
  std::optional<Capabilities> caps;
  std::string error;  // why probe/describe could not run at all

  [[nodiscard]] core::RuntimeView view(const std::string& default_runtime) const {
    return {*record, record->id == default_runtime, probe, caps, error};
  }
  [[nodiscard]] bool available() const { return probe && probe->available; }
  [[nodiscard]] std::string reason() const { return view("").reason(); }
};

// One plugin's answers; a plugin that fails or throws costs only its row.
RuntimeRow examine(Context& ctx, const core::PluginRecord& r) {
  RuntimeRow row{&r, std::nullopt, std::nullopt, {}};
  if (!r.ok()) {
    row.error = "plugin not loaded (" + std::string(core::to_string(r.status)) + "): " + r.reason;
    return row;
  }
  try {
    auto handle = ctx.registry().open(r.id, ctx.config().plugin_config(r.id));
    try {
      row.caps = handle->describe();
    } catch (const std::exception& e) {
      spdlog::debug("{}: describe() failed: {}", r.id, e.what());
    }
    row.probe = handle->probe();
  } catch (const std::exception& e) {
    row.error = e.what();
  }
  return row;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

int run(Context& ctx) {
  const auto& config = ctx.config();
  // All plugins at once: the slowest probe (or one hung until its deadline)
  // sets the time, not the sum. Each row owns its handle, so a broker dies
  // with the thread that started it.
  std::vector<std::future<RuntimeRow>> pending;
  for (const auto& r : ctx.registry().records()) {
    // Without an id there is no runtime to name; a duplicate is shown by the winner.
    if (r.id.empty() || r.status == core::PluginStatus::duplicate_id) continue;
    pending.push_back(std::async(std::launch::async, [&ctx, &r] { return examine(ctx, r); }));
  }
  std::vector<RuntimeRow> rows;
  rows.reserve(pending.size());
  for (auto& p : pending) rows.push_back(p.get());
  // By id, not by file name ("kata" before "kata-clh", which sorts after it as moat-kata.so).
  std::sort(rows.begin(), rows.end(),
            [](const RuntimeRow& a, const RuntimeRow& b) { return a.record->id < b.record->id; });
  if (ctx.cancelled()) {
    // Name the plugins that were still running when moat gave up on them.
    for (const auto& row : rows)
      if (row.error.rfind("interrupted: ", 0) == 0) ctx.err() << "moat: " << row.error << '\n';
    ctx.err() << "moat: interrupted\n";
    return to_int(ExitCode::interrupted);
  }

  Output& out = ctx.out();
  if (out.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& row : rows) {
      list.push_back(core::runtime_json(row.view(config.default_runtime)));
    }
    out.document({{"default_runtime", config.default_runtime}, {"runtimes", list}});
  } else if (out.quiet()) {
    for (const auto& row : rows)
      if (row.available()) out.line(row.record->id);
  } else if (rows.empty()) {
    out.line("no runtime plugins found (see 'moat plugins list')");
  } else {
    Table t({"ID", "AVAILABLE", "VERSION", "ISOLATION", "REASON"});
    for (const auto& row : rows) {
      t.add_row({row.record->id, Cell(row.available() ? "yes" : "no", row.available() ? Style::good : Style::bad),
                 or_dash(row.probe ? row.probe->version : ""), or_dash(row.caps ? row.caps->isolation : ""),
                 row.reason()});
    }
    out.table(t);
  }
  // A report: unavailable runtimes are its content, not a failure.
  return to_int(ExitCode::ok);
}

}  // namespace

Command runtimes() {
  return {
      .path = {"runtimes"},
      .summary = "Show which runtimes are usable here, and why not",
      .description =
          "Opens every loaded plugin with its section of the configuration and\n"
          "calls probe() (a live check on this host) and describe(), all plugins at\n"
          "once. A plugin that fails, crashes, exits or hangs past its probe deadline\n"
          "(plugin_host.deadlines.probe_s, 15 s) shows why in REASON; the others\n"
          "are unaffected.\n"
          "Exits 0 whatever the availability; use -o json (\"available\") or -q\n"
          "(ids of available runtimes only) in scripts.",
      .options = {},
      .positionals = {},
      .run = run,
  };
}

}  // namespace moat::cli::commands
