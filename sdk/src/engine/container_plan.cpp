// The container plan: from a SandboxSpec to the engine's create body, with
// moat's labels, mounts and the DinD mode; the hooks' defaults that decide it.
#include <moat/engine/container_plan.hpp>
#include <moat/engine/docker_runtime.hpp>

#include "runtime_internal.hpp"

#include <moat/support/json_read.hpp>
#include <moat/support/spec_checks.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace moat::engine {

using json = nlohmann::json;
using detail::invalid;

namespace {

// The main process when the spec gives none: prints a marker the caller can
// wait for, and exits at once on SIGTERM (a shell as PID 1 ignores signals it
// has no trap for, and `sleep & wait` lets the trap run without waiting out
// the sleep), so `stop` never waits out its timeout.
const std::vector<std::string> kKeepAlive = {
    "/bin/sh", "-c", "trap 'exit 0' TERM INT; echo moat-ready; while :; do sleep 1 & wait $!; done"};

// Labels moat sets itself; a spec may repeat them only with the same value.
const std::set<std::string> kReservedLabels = {kManagedLabel,       kRuntimeLabel, kNameLabel, kSandboxLabel,
                                               kEngineRuntimeLabel, kDindLabel,    kProbeLabel};

// "on-failure:3" -> {"Name": "on-failure", "MaximumRetryCount": 3}; the
// syntax was checked with the spec.
json restart_policy(const std::string& restart) {
  if (restart.empty()) return {{"Name", "no"}};
  const auto colon = restart.find(':');
  if (colon == std::string::npos) return {{"Name", restart}};
  return {{"Name", restart.substr(0, colon)}, {"MaximumRetryCount", std::stoi(restart.substr(colon + 1))}};
}

void add_limits(json& host_config, const ResourceLimits& limits) {
  if (limits.cpus) host_config["NanoCpus"] = std::llround(*limits.cpus * 1e9);
  if (limits.memory_bytes) {
    host_config["Memory"] = *limits.memory_bytes;
    // Swap counts against the limit: a process past it is killed, not swapped.
    host_config["MemorySwap"] = *limits.memory_bytes;
  }
  if (limits.pids) host_config["PidsLimit"] = *limits.pids;
}

void add_ports(ContainerPlan& plan, const std::vector<PortMapping>& ports) {
  if (ports.empty()) return;
  json& exposed = plan.config["ExposedPorts"];
  json& bindings = plan.host_config()["PortBindings"];
  for (const PortMapping& p : ports) {
    const std::string key = std::to_string(p.container_port) + "/" + p.protocol;
    exposed[key] = json::object();
    bindings[key].push_back(
        {{"HostIp", p.host_ip}, {"HostPort", p.host_port == 0 ? std::string() : std::to_string(p.host_port)}});
  }
}

}  // namespace

void detail::check_spec_labels(const SandboxSpec& spec, const std::string& plugin_id) {
  for (const auto& [k, v] : spec.labels) {
    if (k.empty()) invalid("labels: a label key is empty");
    if (kReservedLabels.contains(k)) {
      const bool same = (k == kManagedLabel && v == "true") || (k == kRuntimeLabel && v == plugin_id) ||
                        (k == kNameLabel && v == spec.name);
      if (!same) invalid("labels: '" + k + "' is set by moat itself; remove it from the spec");
    }
  }
}

// ---- ContainerPlan ----------------------------------------------------------

void ContainerPlan::add_bind(const std::string& source, const std::string& target, bool read_only) {
  host_config()["Mounts"].push_back(
      {{"Type", "bind"}, {"Source", source}, {"Target", target}, {"ReadOnly", read_only}});
}

void ContainerPlan::add_volume(const std::string& volume, const std::string& target, bool read_only) {
  host_config()["Mounts"].push_back(
      {{"Type", "volume"}, {"Source", volume}, {"Target", target}, {"ReadOnly", read_only}});
  if (std::find(volumes.begin(), volumes.end(), volume) == volumes.end()) volumes.push_back(volume);
}

void ContainerPlan::add_tmpfs(const std::string& target, std::optional<std::int64_t> size_bytes) {
  json m = {{"Type", "tmpfs"}, {"Target", target}};
  if (size_bytes) m["TmpfsOptions"] = {{"SizeBytes", *size_bytes}};
  host_config()["Mounts"].push_back(std::move(m));
}

void ContainerPlan::add_dind_volume() {
  if (!has_target("/var/lib/docker")) add_volume(name + "-docker", "/var/lib/docker");
}

void ContainerPlan::add_dind_capabilities() {
  host_config()["CapAdd"] = json::array({"ALL"});
  host_config()["CapDrop"] = json::array({"SYS_RESOURCE"});
}

bool ContainerPlan::has_target(const std::string& target) {
  const json& mounts = host_config()["Mounts"];
  if (!mounts.is_array()) return false;
  return std::any_of(mounts.begin(), mounts.end(),
                     [&](const json& m) { return support::string_at(m, "Target") == target; });
}

// ---- the hooks' defaults -----------------------------------------------------

std::string DockerRuntime::engine_runtime_for(const SandboxSpec& spec) {
  auto it = spec.options.find("engine_runtime");
  if (it == spec.options.end() || it->is_null()) return engine_runtime_;
  if (!it->is_string()) invalid("options.engine_runtime: expected the name of an engine runtime, e.g. \"runc\"");
  std::string rt = it->get<std::string>();
  bool ok = !rt.empty() && std::isalnum(static_cast<unsigned char>(rt.front()));
  for (char c : rt) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  if (!ok) invalid("options.engine_runtime: '" + rt + "' is not a runtime name ([A-Za-z0-9][A-Za-z0-9._-]*)");
  return rt;
}

DindMode DockerRuntime::dind_mode(const SandboxSpec& spec) { return spec.dind ? DindMode::required : DindMode::off; }

std::string DockerRuntime::privileged_refusal(const std::string&) {
  return "options.privileged: moat never runs privileged sandboxes; use dind for Docker inside the sandbox";
}

// ---- SandboxSpec -> ContainerPlan --------------------------------------------

ContainerPlan DockerRuntime::plan_for(const SandboxSpec& spec, const std::string& rt) {
  ContainerPlan plan;
  plan.name = spec.name;
  plan.engine_runtime = rt;

  json labels = json::object();
  for (const auto& [k, v] : spec.labels) labels[k] = v;
  labels[kManagedLabel] = "true";
  labels[kRuntimeLabel] = plugin_id_;
  labels[kNameLabel] = spec.name;
  labels[kEngineRuntimeLabel] = rt;

  json env = json::array();
  for (const auto& [k, v] : spec.env) env.push_back(k + "=" + v);

  plan.config = {{"Image", spec.image}, {"Env", env},           {"Labels", labels},      {"Tty", false},
                 {"OpenStdin", false},  {"AttachStdin", false}, {"AttachStdout", false}, {"AttachStderr", false}};
  // A sandbox in another container's network namespace has that one's
  // hostname: the engine refuses to set one (unless the spec asks, and then
  // the engine says why not).
  if (!spec.network.starts_with("container:") || !spec.hostname.empty())
    plan.config["Hostname"] = spec.hostname.empty() ? spec.name : spec.hostname;
  if (spec.entrypoint) {
    // As docker run --entrypoint: the image's Cmd no longer applies, and an
    // empty entrypoint is sent as [""], the engine's way to clear it.
    plan.config["Entrypoint"] = spec.entrypoint->empty() ? json::array({""}) : json(*spec.entrypoint);
    plan.config["Cmd"] = spec.command;
  } else if (spec.command.empty()) {
    plan.config["Entrypoint"] = kKeepAlive;
  } else {
    plan.config["Cmd"] = spec.command;
  }
  if (!spec.workspace.empty()) plan.config["WorkingDir"] = "/workspace";

  plan.config["HostConfig"] = {{"Runtime", rt},
                               {"Privileged", false},
                               {"Init", false},
                               {"RestartPolicy", restart_policy(spec.restart)},
                               {"Mounts", json::array()}};
  add_limits(plan.host_config(), spec.limits);
  add_ports(plan, spec.ports);
  if (!spec.network.empty()) plan.host_config()["NetworkMode"] = spec.network;
  // options.pid / options.ipc: "host" shares the host's namespace (the host's
  // policy has allowed it before a plugin sees the spec); nothing else is
  // supported yet.
  for (const auto& [key, mode] : {std::pair{"pid", "PidMode"}, std::pair{"ipc", "IpcMode"}}) {
    auto it = spec.options.find(key);
    if (it == spec.options.end() || it->is_null()) continue;
    if (!it->is_string() || it->get<std::string>() != "host")
      invalid(std::string("options.") + key + ": expected \"host\" (the only namespace mode moat supports), got " +
              it->dump());
    plan.host_config()[mode] = "host";
  }

  if (!spec.workspace.empty()) plan.add_bind(spec.workspace, "/workspace");
  if (!spec.home.empty()) plan.add_bind(spec.home, support::home_target(spec.user));
  for (const Mount& m : spec.mounts) {
    if (m.type == "bind")
      plan.add_bind(m.source, m.target, m.read_only);
    else if (m.type == "volume")
      plan.add_volume(m.source, m.target, m.read_only);
    else
      plan.add_tmpfs(m.target);
  }

  plan.dind = dind_mode(spec);
  shape_container(spec, plan);
  if (plan.dind != DindMode::off)
    plan.config["Labels"][kDindLabel] = plan.dind == DindMode::required ? "required" : "auto";
  // Whatever a subclass did: never privileged.
  plan.host_config()["Privileged"] = false;
  plan.host_config()["Runtime"] = plan.engine_runtime;
  plan.config["Labels"][kEngineRuntimeLabel] = plan.engine_runtime;
  return plan;
}

}  // namespace moat::engine
