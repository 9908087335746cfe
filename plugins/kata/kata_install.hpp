// What a Kata Containers install looks like to Docker: which runtime name a
// sandbox gets (a daemon.json registration or a shim name on the service
// PATH), the shim behind it, the configuration file and the hypervisor it
// selects, and the Kata version. Read from the engine's /info, the daemon
// configuration and the host's files, never from moat's own PATH, so each
// install layout (kata-manager, the static tarball, Kata 4.x's runtime-rs
// only tarball, kata-deploy) can be staged in a directory and checked.
#pragma once

#include <moat/support/host_files.hpp>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::kata {

// One plugin per way a user runs Kata under Docker.
struct Variant {
  std::string id;               // plugin id: "kata", "kata-qemu", "kata-clh"
  std::string registered_name;  // the daemon.json name Kata's docs use
  std::string shim_name;        // the containerd runtime name, "io.containerd.kata-qemu.v2"
  std::string hypervisor;       // what the configuration must select ("qemu", "clh"); empty = any
  std::string config_file;      // "configuration-qemu.toml"; empty = Kata's default
};

const Variant& variant(const std::string& id);

// containerd's rule: io.containerd.kata-fc.v2 -> containerd-shim-kata-fc-v2
// (the last two dot-separated parts joined by '-').
std::string shim_binary(const std::string& runtime_type);
// A containerd runtime name Docker >= 23 accepts at create ("<prefix>.<name>.<version>", no '/').
bool is_shim_name(const std::string& runtime);

// The daemon configuration dockerd reads: the --config-file of a running
// dockerd (its /proc cmdline is world-readable), else /etc/docker/daemon.json.
std::string daemon_config_path(const support::HostFiles& files);

// "X.Y.Z" from `kata-runtime --version` or a shim's --version output.
std::optional<std::vector<int>> parse_version(const std::string& text);
// The [hypervisor.<name>] a configuration.toml selects ("qemu", "clh",
// "firecracker", "dragonball"); empty when none is found.
std::string configured_hypervisor(const std::string& toml);

// The runtime a sandbox of this variant runs on, and why.
struct Target {
  std::string runtime;                // HostConfig.Runtime
  std::string how;                    // one line: how the engine knows it
  std::string shim;                   // host path of the shim; empty when unknown
  std::string config;                 // the configuration file the shim reads; empty when unknown
  bool config_explicit = false;       // options.ConfigPath set in daemon.json
  bool rust = false;                  // the runtime-rs shim
  std::vector<std::string> failures;  // what makes it unusable, each with its fix
  nlohmann::json details;
};

// `candidates`: runtime names to try in order (the configured runtime_name,
// or the variant's registered name then its shim name).
Target resolve(const Variant& v, const std::vector<std::string>& candidates, const nlohmann::json& info,
               const nlohmann::json& daemon_config, int docker_major, const support::HostFiles& files);

// The daemon.json snippet that registers this variant with what is installed
// (the shim and configuration files found in Kata's install locations).
std::string registration_hint(const Variant& v, const support::HostFiles& files);

}  // namespace moat::kata
