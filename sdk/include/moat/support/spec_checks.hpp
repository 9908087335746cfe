// Validation of a SandboxSpec before anything is created. Each check throws
// moat::Error(MOAT_E_INVALID) with one line naming the field, what is wrong
// and what to do, so bad input never leaves half-created state behind.
// Shared by every shipped plugin (Docker-backed and host).
#pragma once

#include <moat/model.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moat::support {

// `s` with control characters replaced by '?', so a value taken from input
// cannot break the one-line rule of an error message.
std::string printable(std::string_view s);

// [a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}
void check_sandbox_name(const std::string& name);
// The same rule for the other objects moat names (networks, snapshots):
// `field` is what the message blames, `what` the kind ("network").
void check_object_name(const std::string& name, const std::string& field, const std::string& what);

// A home-directory owner: 1-32 of [A-Za-z0-9._-], not starting with '-', not
// "." or ".." (it becomes /home/<user>, so '/' would escape).
void check_user_name(const std::string& user, const char* field = "user");

// A host path that will be bound in: absolute, no ".." component, exists.
// `field` names the spec field in the message (e.g. "workspace", "mounts[2].source").
void check_host_path(const std::string& path, const std::string& field, bool must_be_directory = false);

// A path inside the sandbox: absolute, no ".." component, not "/".
void check_target_path(const std::string& path, const std::string& field);

// A Docker volume name: [a-zA-Z0-9][a-zA-Z0-9_.-]*.
void check_volume_name(const std::string& name, const std::string& field);

// An environment variable name: non-empty, no '=' and no NUL.
void check_env_name(const std::string& name, const std::string& field);

// Where the home directory is mounted: /home/<user>, or /root when user is empty.
std::string home_target(const std::string& user);

// The smallest memory limit a container starts with (Docker's own floor).
inline constexpr std::int64_t kMinMemoryBytes = 6LL * 1024 * 1024;

// Limits in range: cpus 0.01-1024, memory >= kMinMemoryBytes, pids >= 1.
void check_limits(const ResourceLimits& limits);

// "", "no", "always", "unless-stopped", "on-failure" or "on-failure:N".
void check_restart_policy(const std::string& policy);

// Each port has a container port and a known protocol, a host_ip that is an
// IP address, and no host port/protocol is published twice.
void check_ports(const std::vector<PortMapping>& ports);

// Runs the checks above that apply to every runtime: name, user, workspace,
// home, each mount (type, source, target), env names, that no two mounts
// share a target, limits, restart policy and ports. Host paths must exist.
void check_common_spec(const SandboxSpec& spec);

}  // namespace moat::support
