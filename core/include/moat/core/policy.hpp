// The host's safety policy: what a sandbox may reach of the host. By default
// a spec may not bind the host's system directories or the engine's socket
// and data root, nor use the host's network, PID or IPC namespace, nor join
// another container's network; each is allowed by one key of the "policy"
// section of the configuration (docs/configuration.md).
//
// The sandbox service applies it before any plugin sees a spec, and records
// what a sandbox was allowed in its kPolicyLabel, which `moat sandbox
// inspect` shows.
#pragma once

#include <moat/model.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::core {

// Label that records the allowances a sandbox was created with (compact JSON
// of PolicyDecision). Set by the sandbox service only.
inline constexpr const char* kPolicyLabel = "moat.policy";

// The configuration's "policy" section.
struct PolicyConfig {
  std::vector<std::filesystem::path>
      allow_host_binds;  // protected host paths that may be bound (and what is below them)
  std::vector<std::filesystem::path> protected_paths;  // added to the built-in protected paths
  bool allow_host_network = false;                     // network "host"
  bool allow_host_pid = false;                         // options.pid "host"
  bool allow_host_ipc = false;                         // options.ipc "host"
  bool allow_container_network = false;                // network "container:<name>"
};

// What the policy let one spec do beyond the defaults.
struct PolicyDecision {
  std::vector<std::string> host_binds;  // resolved host paths that are protected and were allowed
  bool host_network = false;
  bool host_pid = false;
  bool host_ipc = false;
  bool container_network = false;
};

// The host paths a bind may not reach without policy.allow_host_binds: "/",
// /etc, /proc, /sys, /dev, /boot, the engine's sockets (/var/run/docker.sock,
// /run/docker.sock, `engine_socket` when set, with or without unix://), the
// engine's data root (/var/lib/docker, and `engine_data_root` when known) and
// `extra` (policy.protected_paths).
std::vector<std::filesystem::path> protected_host_paths(const std::optional<std::string>& engine_socket,
                                                        const std::optional<std::string>& engine_data_root,
                                                        const std::vector<std::filesystem::path>& extra);

// Checks `spec` against the policy. A bind source (workspace, home, bind
// mounts) is resolved first, so a symlink cannot get around it, and refused
// when it is a protected path, lies below one, or contains one (binding /var
// exposes /var/lib/docker) - unless it lies at or below an entry of
// allow_host_binds. Throws moat::Error(MOAT_E_INVALID) with one line naming
// the key that allows it.
PolicyDecision check_policy(const SandboxSpec& spec, const PolicyConfig& policy,
                            const std::vector<std::filesystem::path>& protected_paths);

// True when `path` is `root` or lies below it, component-wise (/data2 is not
// under /data). Both are taken as given: resolve them first.
bool is_within(const std::filesystem::path& path, const std::filesystem::path& root);

// {"host_binds": [...], "host_network": b, "host_pid": b, "host_ipc": b, "container_network": b}
nlohmann::json to_json(const PolicyDecision& decision);
// The decision a sandbox's labels record; nullopt when it carries none (made
// outside the sandbox service, or by an older moat) or it cannot be read.
std::optional<PolicyDecision> recorded_policy(const std::map<std::string, std::string>& labels);

}  // namespace moat::core
