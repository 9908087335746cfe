// The names of SandboxSpec's optional fields: what a plugin lists in
// Capabilities::spec_fields to say it honours them, and what the host checks
// a request against before the plugin sees it ("no silent dropping").
// name, runtime and image are not listed: every plugin must honour them.
#pragma once

#include <moat/model.hpp>

#include <string>
#include <vector>

namespace moat {

// The fields of ABI 1.0: what a plugin that declares nothing is taken to
// honour, as it was before spec_fields existed.
inline const std::vector<std::string>& abi_1_0_spec_fields() {
  static const std::vector<std::string> fields = {"hostname", "user",   "env",     "labels", "network", "workspace",
                                                  "home",     "mounts", "command", "dind",   "options"};
  return fields;
}

// Every field a host of this SDK knows, in SandboxSpec's order.
inline const std::vector<std::string>& all_spec_fields() {
  static const std::vector<std::string> fields = [] {
    std::vector<std::string> f = abi_1_0_spec_fields();
    f.insert(f.end(), {"entrypoint", "limits.cpus", "limits.memory", "limits.pids", "restart", "ports"});
    return f;
  }();
  return fields;
}

// The optional fields `spec` sets to something other than their default.
inline std::vector<std::string> spec_fields_in_use(const SandboxSpec& spec) {
  std::vector<std::string> used;
  auto use = [&](bool set, const char* field) {
    if (set) used.emplace_back(field);
  };
  use(!spec.hostname.empty(), "hostname");
  use(!spec.user.empty(), "user");
  use(!spec.env.empty(), "env");
  use(!spec.labels.empty(), "labels");
  use(!spec.network.empty(), "network");
  use(!spec.workspace.empty(), "workspace");
  use(!spec.home.empty(), "home");
  use(!spec.mounts.empty(), "mounts");
  use(!spec.command.empty(), "command");
  use(spec.dind, "dind");
  use(spec.options.is_object() ? !spec.options.empty() : !spec.options.is_null(), "options");
  use(spec.entrypoint.has_value(), "entrypoint");
  use(spec.limits.cpus.has_value(), "limits.cpus");
  use(spec.limits.memory_bytes.has_value(), "limits.memory");
  use(spec.limits.pids.has_value(), "limits.pids");
  use(!spec.restart.empty() && spec.restart != "no", "restart");
  use(!spec.ports.empty(), "ports");
  return used;
}

}  // namespace moat
