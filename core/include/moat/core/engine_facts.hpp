// What the engine says about itself, asked once per run: its version, API
// version and /info (registered runtimes and their arguments, cgroup and
// storage drivers). Results files and the matrix's host section both record it.
#pragma once

#include <moat/engine/docker_client.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::core {

struct EngineFacts {
  bool reachable = false;
  std::string error;        // why the engine could not be asked (when not reachable)
  std::string version;      // server version, e.g. "20.10.24"
  std::string api_version;  // negotiated Engine API version, e.g. "1.41"
  nlohmann::json info;      // GET /info (null when not reachable)

  // The runtime names /info lists.
  [[nodiscard]] std::vector<std::string> runtimes() const;
  // The runtimeArgs the engine registers `engine_runtime` with (empty when none or unknown).
  [[nodiscard]] std::vector<std::string> runtime_args(const std::string& engine_runtime) const;
};

// Never throws: an unreachable engine gives reachable=false and `error`.
EngineFacts collect_engine_facts(engine::DockerClient& client);

}  // namespace moat::core
