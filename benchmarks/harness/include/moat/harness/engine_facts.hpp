// Facts for the manifest that only the engine knows: its version and API,
// the arguments each engine runtime is registered with, and the content
// digests of the images a run uses.
#pragma once

#include <moat/bench/report/results.hpp>
#include <moat/engine/docker_client.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::harness {

struct EngineFacts {
  bench::EngineInfo engine;
  nlohmann::json info;  // GET /info (empty when unreachable)
  std::string error;    // why the engine could not be asked
};

// Never throws: an unreachable engine gives `error`.
EngineFacts engine_facts(engine::DockerClient& client);

// The runtimeArgs the engine registers `engine_runtime` with (empty when none or unknown).
std::vector<std::string> runtime_args(const nlohmann::json& info, const std::string& engine_runtime);

// image reference -> "sha256:..." (the image id, a digest of its config), or
// "missing" when the engine does not have it, "unknown" when unreachable.
std::map<std::string, std::string> image_digests(engine::DockerClient* client, const std::vector<std::string>& refs);

}  // namespace moat::harness
