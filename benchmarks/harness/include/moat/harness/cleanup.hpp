// Removes everything of one run: the sandboxes every runtime lists with
// moat.run-id=<run id>, then any engine container or volume still carrying
// the label (what `moat gc --run-id` also does for a killed run).
#pragma once

#include <moat/core/sandbox_service.hpp>
#include <moat/engine/docker_client.hpp>

#include <string>
#include <vector>

namespace moat::harness {

// Returns one line per object that could not be removed (empty: all gone).
std::vector<std::string> remove_run(core::SandboxService& service, engine::DockerClient* engine,
                                    const std::string& run_id);

// What is left of the run (sandboxes any runtime lists, engine containers and
// volumes with its label), one line each. For tests and the final check.
std::vector<std::string> leftovers_of_run(core::SandboxService& service, engine::DockerClient* engine,
                                          const std::string& run_id);

}  // namespace moat::harness
