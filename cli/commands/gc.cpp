// moat gc [--run-id ID] [--dry-run]: removes what moat left behind - every
// engine container, volume and network labelled moat.managed=true (of one
// run, with --run-id), and the sandboxes runtimes keep outside the engine
// (the host runtime's scratch directories).
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "sandbox_support.hpp"

#include <moat/engine/docker_client.hpp>

#include <optional>
#include <set>

#include <fmt/format.h>
#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;
using json = nlohmann::json;
namespace {

std::string str_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string container_name(const json& entry) {
  auto names = entry.find("Names");
  if (names == entry.end() || !names->is_array() || names->empty() || !names->front().is_string())
    return str_at(entry, "Id").substr(0, 12);
  std::string n = names->front().get<std::string>();
  return n.starts_with('/') ? n.substr(1) : n;
}

struct Sweep {
  bool dry_run = false;
  json containers = json::array();
  json volumes = json::array();
  json networks = json::array();
  json sandboxes = json::array();  // runtime-kept, outside the engine
  json errors = json::array();
  std::optional<moat::Error> engine_error;
  bool interrupted = false;

  // Runs `remove` unless dry; a failure is recorded, not fatal.
  template <typename Fn>
  bool attempt(const std::string& what, Fn&& remove) {
    if (dry_run) return true;
    try {
      remove();
      return true;
    } catch (const std::exception& e) {
      errors.push_back(what + ": " + e.what());
      return false;
    }
  }
};

void sweep_engine(Context& ctx, Sweep& s, const engine::LabelFilter& filter, std::set<std::string>& engine_ids) {
  engine::DockerClient client(engine_client_options(ctx.config()));
  try {
    for (const auto& c : client.list_containers(filter, true)) {
      if (ctx.cancelled()) return void(s.interrupted = true);
      const std::string id = str_at(c, "Id");
      engine_ids.insert(id);
      const std::string name = container_name(c);
      if (s.attempt("container " + name, [&] { client.remove_container(id, true, true); }))
        s.containers.push_back(name);
    }
    for (const auto& v : client.list_volumes(filter)) {
      if (ctx.cancelled()) return void(s.interrupted = true);
      const std::string name = str_at(v, "Name");
      if (s.attempt("volume " + name, [&] { client.remove_volume(name, true); })) s.volumes.push_back(name);
    }
    for (const auto& n : client.list_networks(filter)) {
      if (ctx.cancelled()) return void(s.interrupted = true);
      const std::string name = str_at(n, "Name");
      if (s.attempt("network " + name, [&] { client.remove_network(str_at(n, "Id")); })) s.networks.push_back(name);
    }
  } catch (const moat::Error& e) {
    // Listing failed: the engine is down or refuses. Removals failing one by
    // one are recorded by attempt().
    s.engine_error = e;
  }
}

void sweep_runtimes(Context& ctx, Sweep& s, const std::string& run_id, const std::set<std::string>& engine_ids) {
  auto service = make_sandbox_service(ctx);
  const core::SandboxListing listing = service->list();
  for (const auto& info : listing.sandboxes) {
    if (ctx.cancelled()) return void(s.interrupted = true);
    if (engine_ids.contains(info.id)) continue;  // an engine container: handled above
    auto label = [&](const char* key) {
      auto it = info.labels.find(key);
      return it == info.labels.end() ? std::string() : it->second;
    };
    if (label(kManagedLabel) != "true") continue;
    if (!run_id.empty() && label(kRunIdLabel) != run_id) continue;
    if (s.attempt("sandbox " + info.name + " (" + info.runtime + ")",
                  [&] { service->runtime(info.runtime).remove(info.name); }))
      s.sandboxes.push_back({{"runtime", info.runtime}, {"name", info.name}});
  }
  for (const auto& [id, e] : listing.failures) {
    // With the engine down every Docker-backed runtime fails the same way; say it once.
    if (s.engine_error && e.status() == MOAT_E_UNAVAILABLE) continue;
    s.errors.push_back("runtime " + id + " could not list its sandboxes: " + e.what());
  }
}

int run(Context& ctx) {
  Sweep s;
  s.dry_run = flag(ctx, "dry-run");
  const std::string run_id = option_value(ctx, "run-id");
  engine::LabelFilter filter = {{kManagedLabel, "true"}};
  if (!run_id.empty()) filter[kRunIdLabel] = run_id;

  std::set<std::string> engine_ids;
  sweep_engine(ctx, s, filter, engine_ids);
  if (!s.interrupted) sweep_runtimes(ctx, s, run_id, engine_ids);

  Output& out = ctx.out();
  const auto n = [](const json& a) { return a.size(); };
  if (out.json()) {
    out.document({{"dry_run", s.dry_run},
                  {"run_id", run_id},
                  {"containers", s.containers},
                  {"volumes", s.volumes},
                  {"networks", s.networks},
                  {"sandboxes", s.sandboxes},
                  {"counts",
                   {{"containers", n(s.containers)},
                    {"volumes", n(s.volumes)},
                    {"networks", n(s.networks)},
                    {"sandboxes", n(s.sandboxes)}}},
                  {"engine_error", s.engine_error ? json(s.engine_error->what()) : json(nullptr)},
                  {"errors", s.errors}});
  } else if (!out.quiet()) {
    if (s.dry_run) {
      for (const auto& c : s.containers) out.line("would remove container " + c.get<std::string>());
      for (const auto& v : s.volumes) out.line("would remove volume " + v.get<std::string>());
      for (const auto& w : s.networks) out.line("would remove network " + w.get<std::string>());
      for (const auto& b : s.sandboxes)
        out.line("would remove sandbox " + b["name"].get<std::string>() + " (" + b["runtime"].get<std::string>() + ")");
    }
    out.line(fmt::format("{} {} containers, {} volumes, {} networks, {} runtime-kept sandboxes",
                         s.dry_run ? "would remove" : "removed", n(s.containers), n(s.volumes), n(s.networks),
                         n(s.sandboxes)));
  }
  for (const auto& e : s.errors) ctx.err() << "moat: gc: " << e.get<std::string>() << '\n';
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
    ("run-id", po::value<std::string>()->value_name("ID"), "only what carries moat.run-id=ID")
    ("dry-run", po::bool_switch(), "list what would be removed; remove nothing");
  // clang-format on
}

}  // namespace

Command gc() {
  return {
      .path = {"gc"},
      .summary = "Remove everything moat left behind",
      .description =
          "Removes every engine container, volume and network labelled moat.managed=true\n"
          "(with --run-id, only those also labelled moat.run-id=ID), then the sandboxes\n"
          "runtimes keep outside the engine (the host runtime's scratch directories).\n"
          "Images prepared by 'moat image prepare' are caches and stay. Prints the\n"
          "counts. Exits 69 when the engine cannot be reached (runtime-kept sandboxes\n"
          "are still removed), 1 when something could not be removed.",
      .options = options,
      .positionals = {},
      .run = run,
  };
}

}  // namespace moat::cli::commands
