// The live probes. Each creates real sandboxes through the sandbox service,
// does the real thing, writes what it ran and saw into its cell, decides
// yes / no / partial, and removes what it created (also on failure). An
// exception escaping a probe means it could not finish: the runner records it.
#pragma once

#include <moat/matrix/model.hpp>
#include <moat/matrix/probe_context.hpp>

#include <nlohmann/json.hpp>

namespace moat::matrix {

// docker-in-docker and persistent-dind: one sandbox, since the second checks
// what the first built (an inner image) after a stop/start.
void probe_docker_in_docker(ProbeContext& ctx, Cell& dind, Cell& persistent);
void probe_persistent_workspace(ProbeContext& ctx, Cell& cell);
void probe_bind_mounts(ProbeContext& ctx, Cell& cell);
void probe_dynamic_networking(ProbeContext& ctx, Cell& cell);
void probe_unprivileged(ProbeContext& ctx, Cell& cell);
void probe_isolation(ProbeContext& ctx, Cell& cell);
// Median of `samples` create + start + first exec round trips.
void probe_boot_time(ProbeContext& ctx, Cell& cell, int samples);
// What the column's runtime needs of the host and whether this host has it
// (host facts plus the plugin's own probe details). No sandbox involved.
void probe_host_requirements(const Column& column, const nlohmann::json& host, Cell& cell);

}  // namespace moat::matrix
