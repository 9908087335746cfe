// The live probes. Each creates real sandboxes through the sandbox service,
// does the real thing, writes what it ran and saw into its cell, decides
// yes / no / partial, and removes what it created (also on failure). An
// exception escaping a probe means it could not finish: the runner records it.
#pragma once

#include <moat/matrix/model.hpp>
#include <moat/matrix/check_context.hpp>

#include <nlohmann/json.hpp>

namespace moat::matrix {

// docker-in-docker and persistent-dind: one sandbox, since the second checks
// what the first built (an inner image) after a stop/start.
void check_docker_in_docker(CheckContext& ctx, Cell& dind, Cell& persistent);
void check_persistent_workspace(CheckContext& ctx, Cell& cell);
void check_bind_mounts(CheckContext& ctx, Cell& cell);
void check_dynamic_networking(CheckContext& ctx, Cell& cell);
void check_unprivileged(CheckContext& ctx, Cell& cell);
void check_isolation(CheckContext& ctx, Cell& cell);
// Median of `samples` create + start + first exec round trips.
void check_boot_time(CheckContext& ctx, Cell& cell, int samples);
// What the column's runtime needs of the host and whether this host has it
// (host facts plus the plugin's own probe details). No sandbox involved.
void check_host_requirements(const Column& column, const nlohmann::json& host, Cell& cell);

}  // namespace moat::matrix
