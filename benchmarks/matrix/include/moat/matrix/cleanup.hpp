// The run's safety net: after every probe has removed what it made, anything
// still labelled with the run id (engine containers, volumes, networks, and
// sandboxes runtimes keep outside the engine) is removed and reported - a
// clean run reports nothing. `moat gc --run-id ID` does the same for a run
// that was killed.
#pragma once

#include <moat/core/sandbox_service.hpp>
#include <moat/engine/docker_client.hpp>

#include <string>

#include <nlohmann/json.hpp>

namespace moat::matrix {

// {"containers": [...], "volumes": [...], "networks": [...], "sandboxes": [...], "errors": [...]}.
nlohmann::json sweep_run(engine::DockerClient* engine, core::SandboxService* service, const std::string& run_id);

}  // namespace moat::matrix
