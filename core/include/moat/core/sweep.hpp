// The one sweep of what moat left behind, shared by `moat gc`, the end of a
// bench run and the end of a matrix run: every engine container, volume and
// network labelled moat.managed=true (and moat.run-id=<id> when a run id is
// given), then the sandboxes runtimes keep outside the engine (the host
// runtime's scratch directories) that carry the same labels.
//
// A removal that fails is recorded, never thrown: the sweep goes on with the
// next object, so one stuck object does not keep the rest.
#pragma once

#include <moat/core/sandbox_service.hpp>
#include <moat/engine/docker_client.hpp>
#include <moat/error.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace moat::core {

struct SweepOptions {
  std::string run_id;                    // empty: everything moat-managed
  bool dry_run = false;                  // list what would go; remove nothing
  std::function<bool()> cancelled = {};  // asked before each removal; true stops the sweep
};

struct SweptSandbox {
  std::string runtime;
  std::string name;
};

struct SweepResult {
  // What was removed (with dry_run: what would be). Containers by name.
  std::vector<std::string> containers;
  std::vector<std::string> volumes;
  std::vector<std::string> networks;
  std::vector<SweptSandbox> sandboxes;  // runtime-kept, outside the engine
  // One line per object that could not be removed, and per runtime that
  // could not list its sandboxes.
  std::vector<std::string> errors;
  // Set when the engine could not be listed at all (it is down or refuses).
  std::optional<moat::Error> engine_error;
  bool interrupted = false;

  // Everything found, one line each ("container NAME", "volume NAME",
  // "network NAME", "sandbox NAME (RUNTIME)").
  [[nodiscard]] std::vector<std::string> found() const;
};

// `engine` and `service` may each be null (that part is skipped).
SweepResult sweep(engine::DockerClient* engine, SandboxService* service, const SweepOptions& options);

}  // namespace moat::core
