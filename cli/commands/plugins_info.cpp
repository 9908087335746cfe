// moat plugins info ID: one plugin's descriptor, operations and the
// capabilities it declares (describe()).
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "plugin_views.hpp"

#include <moat/core/declared_fields.hpp>
#include <moat/core/runtime_handle.hpp>
#include <moat/error.hpp>

#include <fmt/format.h>

namespace moat::cli::commands {
namespace {

std::string yes_no(bool b) { return b ? "yes" : "no"; }

std::string joined(const std::vector<std::string>& v, std::string_view empty) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? std::string(empty) : out;
}

int run(Context& ctx) {
  const std::string id = ctx.arg("id");
  auto& registry = ctx.registry();
  const core::PluginRecord* record = registry.find(id);
  if (record == nullptr)
    throw moat::Error(MOAT_E_UNAVAILABLE,
                      fmt::format("no plugin with id '{}' (known: {})", id, known_ids(registry.records())));

  // Capabilities need an instance: create() with the plugin's config section.
  std::optional<Capabilities> caps;
  std::string caps_error;
  if (record->ok()) {
    try {
      auto handle = registry.open(id, ctx.config().plugin_config(id));
      caps = handle->describe();
    } catch (const std::exception& e) {
      caps_error = e.what();
    }
  } else {
    caps_error = "plugin not loaded: " + record->reason;
  }

  Output& out = ctx.out();
  if (out.json()) {
    nlohmann::json p = *record;
    p["capabilities"] = caps ? nlohmann::json(*caps) : nlohmann::json(nullptr);
    p["capabilities_error"] = caps_error;
    p["spec_fields"] = caps ? nlohmann::json(core::honoured_spec_fields(*caps)) : nlohmann::json(nullptr);
    out.document({{"plugin", p}});
  } else if (!out.quiet()) {
    Table t;
    t.add_row({"id:", record->id});
    t.add_row({"version:", record->version});
    t.add_row({"description:", record->description});
    t.add_row({"path:", record->path.string()});
    t.add_row({"status:", Cell(std::string(core::to_string(record->status)), record->ok() ? Style::good : Style::bad)});
    if (!record->reason.empty()) t.add_row({"reason:", record->reason});
    t.add_row({"plugin ABI:", fmt::format("{}.{}", record->abi_major, record->abi_minor)});
    t.add_row({"build:", record->build_info});
    t.add_row({"operations:", joined(record->operations, "none (no sandbox operations)")});
    if (caps) {
      t.add_row({"isolation:", caps->isolation});
      t.add_row({"docker-in-docker:", yes_no(caps->docker_in_docker)});
      t.add_row({"persistent dind:", yes_no(caps->persistent_dind)});
      t.add_row({"bind mounts:", yes_no(caps->bind_mounts)});
      t.add_row({"dynamic networking:", yes_no(caps->dynamic_networking)});
      t.add_row({"unprivileged:", yes_no(caps->unprivileged)});
      t.add_row({"spec fields:", joined(core::honoured_spec_fields(*caps), "none") +
                                     (caps->spec_fields ? "" : " (declares none: the fields of ABI 1.0)")});
      for (const auto& n : caps->notes) t.add_row({"note:", n});
    } else {
      t.add_row({"capabilities:", Cell("unknown: " + caps_error, Style::bad)});
    }
    out.table(t);
  }
  return to_int(caps ? ExitCode::ok : ExitCode::unavailable);
}

}  // namespace

Command plugins_info() {
  return {
      .path = {"plugins", "info"},
      .summary = "Show a plugin's descriptor and declared capabilities",
      .description =
          "Declared capabilities come from the plugin's describe() (nothing is\n"
          "measured; 'moat matrix' measures). Exits 69 when no plugin has that id\n"
          "(the line names the known ids), or when the plugin failed to load or\n"
          "describe itself (the output still shows what is known).",
      .options = {},
      .positionals = {{.name = "id", .description = "plugin id, as shown by 'moat plugins list'"}},
      .run = run,
  };
}

}  // namespace moat::cli::commands
