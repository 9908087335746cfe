#include "sandbox_support.hpp"

#include "../exit_code.hpp"
#include "../paths.hpp"
#include "../usage_error.hpp"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {

std::unique_ptr<core::SandboxService> make_sandbox_service(Context& ctx) {
  const std::atomic<bool>& flag = ctx.cancel_flag();
  auto service = std::make_unique<core::SandboxService>(ctx.registry(), ctx.config(), [&flag] { return flag.load(); });
  // Beside the plugin cache: ~/.cache/moat/probe-verdicts.json.
  if (const auto cache = plugin_cache_file(std::getenv("XDG_CACHE_HOME"), std::getenv("HOME")))
    service->keep_probe_verdicts(std::make_shared<core::ProbeVerdictFile>(cache->parent_path() / "probe-verdicts.json",
                                                                          ctx.config().plugin_host.probe_reuse));
  return service;
}

namespace {

// One line: "default" or what was allowed beyond it.
std::string policy_line(const SandboxInfo& info) {
  const auto p = core::recorded_policy(info.labels);
  if (!p) return "not recorded";
  std::string out;
  auto add = [&](bool on, const std::string& what) {
    if (on) out += (out.empty() ? "" : ", ") + what;
  };
  add(p->host_network, "host network");
  add(p->container_network, "container network");
  add(p->host_pid, "host pid");
  add(p->host_ipc, "host ipc");
  for (const auto& b : p->host_binds) add(true, "host bind " + b);
  return out.empty() ? "default (nothing of the host beyond the safe defaults)" : "allowed " + out;
}

// "cpus 1.5, memory 256 MiB, pids 100"
std::string limits_line(const ResourceLimits& l) {
  std::vector<std::string> parts;
  if (l.cpus) parts.push_back(fmt::format("cpus {:g}", *l.cpus));
  if (l.memory_bytes) parts.push_back(fmt::format("memory {:g} MiB", static_cast<double>(*l.memory_bytes) / 1048576.0));
  if (l.pids) parts.push_back(fmt::format("pids {}", *l.pids));
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace

void print_sandbox(Output& out, const SandboxInfo& info) {
  out.object("sandbox", sandbox_json(info), info.name, [&](Table& t) {
    t.add_row({"name:", info.name});
    t.add_row({"id:", info.id.substr(0, 12)});
    t.add_row({"runtime:", info.runtime});
    if (!info.engine_runtime.empty()) t.add_row({"engine runtime:", info.engine_runtime});
    if (!info.image.empty()) t.add_row({"image:", info.image});
    t.add_row({"state:", Cell(info.state, info.running ? Style::good : Style::plain)});
    for (const auto& m : info.mounts)
      t.add_row({"mount:", m.type + " " + (m.source.empty() ? "-" : m.source) + " -> " + m.target +
                               (m.read_only ? " (read-only)" : "")});
    for (const auto& n : info.networks) t.add_row({"network:", n});
    if (!info.limits.empty()) t.add_row({"limits:", limits_line(info.limits)});
    if (!info.restart.empty()) t.add_row({"restart:", info.restart});
    for (const auto& p : info.ports)
      t.add_row({"port:", (p.host_ip.empty() ? std::string() : p.host_ip + ":") +
                              (p.host_port == 0 ? std::string("?") : std::to_string(p.host_port)) + " -> " +
                              std::to_string(p.container_port) + "/" + p.protocol});
    t.add_row({"policy:", policy_line(info)});
    for (const auto& [k, v] : info.labels)
      if (k != core::kPolicyLabel) t.add_row({"label:", k + "=" + v});
  });
}

std::pair<std::string, std::string> split_key_value(const std::string& text, const std::string& option,
                                                    const std::string& help_for) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError(option + " '" + text + "': expected KEY=VALUE", help_for);
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::map<std::string, std::string> key_values(const std::vector<std::string>& items, const std::string& option,
                                              const std::string& help_for) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    auto [k, v] = split_key_value(item, option, help_for);
    out[k] = v;
  }
  return out;
}

namespace {

// SRC:DST[:ro|:rw]. Host paths with ':' cannot be given this way (as with docker -v).
Mount parse_mount(const std::string& text, const std::string& type, const std::string& option,
                  const std::string& help_for) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  const std::string shape = type == "bind" ? "SRC:DST[:ro]" : "NAME:DST[:ro]";
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
    throw UsageError(option + " '" + text + "': expected " + shape, help_for);
  Mount m;
  m.type = type;
  m.source = parts[0];
  m.target = parts[1];
  if (parts.size() == 3) {
    if (parts[2] == "ro")
      m.read_only = true;
    else if (parts[2] != "rw")
      throw UsageError(option + " '" + text + "': the mode must be ro or rw, not '" + parts[2] + "'", help_for);
  }
  return m;
}

}  // namespace

Mount parse_bind(const std::string& text, const std::string& help_for) {
  return parse_mount(text, "bind", "-v", help_for);
}

Mount parse_volume(const std::string& text, const std::string& help_for) {
  return parse_mount(text, "volume", "--volume", help_for);
}

std::vector<std::string> option_values(const Context& ctx, const std::string& name) {
  if (auto it = ctx.vars().find(name); it != ctx.vars().end() && !it->second.empty())
    return it->second.as<std::vector<std::string>>();
  return {};
}

std::string option_value(const Context& ctx, const std::string& name) {
  if (auto it = ctx.vars().find(name); it != ctx.vars().end() && !it->second.empty())
    return it->second.as<std::string>();
  return {};
}

std::string run_id_option(const Context& ctx, const std::string& help_for) {
  std::string id = option_value(ctx, "run-id");
  if (!id.empty() && !std::regex_match(id, std::regex("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")))
    throw UsageError("--run-id '" + id + "': use letters, digits, '_', '.' and '-' (at most 63)", help_for);
  return id;
}

bool flag(const Context& ctx, const std::string& name) {
  auto it = ctx.vars().find(name);
  return it != ctx.vars().end() && !it->second.empty() && it->second.as<bool>();
}

int remove_each(Context& ctx, const std::string& positional, const std::string& noun,
                const std::function<void(const std::string&)>& remove) {
  Output& out = ctx.out();
  nlohmann::json removed = nlohmann::json::array();
  for (const auto& name : ctx.args(positional)) {
    remove(name);
    removed.push_back(name);
    if (!out.json() && !out.quiet()) out.line("removed " + noun + " " + name);
  }
  if (out.json()) out.document({{"removed", removed}});
  return to_int(ExitCode::ok);
}

Positional sandbox_name_positional() {
  return {.name = "name", .description = "the sandbox's name, as given to 'moat sandbox create'"};
}

void add_stop_timeout_option(boost::program_options::options_description& d) {
  d.add_options()("timeout", boost::program_options::value<double>()->default_value(10)->value_name("S"),
                  "seconds to wait before killing");
}

int stop_and_show(Context& ctx, StopAction action) {
  auto service = make_sandbox_service(ctx);
  const std::string name = ctx.arg("name");
  ((*service).*action)(name, ctx.vars()["timeout"].as<double>());
  print_sandbox(ctx.out(), service->inspect(name));
  return to_int(ExitCode::ok);
}

void warn_if_truncated(Context& ctx, bool truncated, const char* what) {
  if (!truncated) return;
  ctx.err() << "moat: warning: " << what
            << " was truncated at the runtime's output cap (engine.max_output_bytes, 64 MiB per stream by "
               "default)\n";
}

}  // namespace moat::cli::commands
