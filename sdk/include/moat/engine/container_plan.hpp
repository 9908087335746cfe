// The container a Docker-backed sandbox becomes: the engine's create body,
// the engine runtime, the named volumes and the Docker-in-Docker mode, plus
// the labels moat puts on what it creates. DockerRuntime builds a plan from a
// SandboxSpec; a plugin edits it in its shape_container() hook.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::engine {

// Label on volumes moat creates for a sandbox: the sandbox's name.
inline constexpr const char* kSandboxLabel = "moat.sandbox";
// Label on containers: the engine runtime the sandbox was created for.
inline constexpr const char* kEngineRuntimeLabel = "moat.engine-runtime";
// Label on containers: "required" or "auto" when an inner dockerd is started.
inline constexpr const char* kDindLabel = "moat.dind";
// Label on short-lived probe containers (smoke runs).
inline constexpr const char* kProbeLabel = "moat.probe";
// Label on a snapshot's image and its volumes: the snapshot's name.
inline constexpr const char* kSnapshotLabel = "moat.snapshot";

// Whether a sandbox gets an inner Docker engine.
enum class DindMode {
  off,
  if_available,  // started when the image has dockerd; skipped (and logged) otherwise
  required,      // the sandbox fails to start when dockerd is missing or does not answer
};

// The container about to be created. Subclasses edit it in shape_container().
struct ContainerPlan {
  std::string name;
  std::string engine_runtime;
  nlohmann::json config;  // the Engine's create body: Image, Cmd, Env, Labels, HostConfig, ...
  DindMode dind = DindMode::off;
  // Named volumes the container uses; each that does not exist is created
  // (labelled moat.managed, moat.sandbox=<name>) before the container.
  std::vector<std::string> volumes;

  nlohmann::json& host_config() { return config["HostConfig"]; }
  // Appends to HostConfig.Mounts (and to `volumes` for a volume mount).
  void add_bind(const std::string& source, const std::string& target, bool read_only = false);
  void add_volume(const std::string& volume, const std::string& target, bool read_only = false);
  void add_tmpfs(const std::string& target, std::optional<std::int64_t> size_bytes = std::nullopt);
  // The conventional persistent inner-Docker store: volume <name>-docker on
  // /var/lib/docker (skipped when the spec already mounts something there).
  void add_dind_volume();
  // The capabilities an inner dockerd needs without --privileged: every one
  // but SYS_RESOURCE, which is outside the bounding set on some hosts (where
  // --privileged itself fails). Sets HostConfig.CapAdd and CapDrop.
  void add_dind_capabilities();
  // True when HostConfig.Mounts already has something at `target`.
  [[nodiscard]] bool has_target(const std::string& target);
};

}  // namespace moat::engine
