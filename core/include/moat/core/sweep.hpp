// The one sweep of what moat left behind, shared by `moat gc`, the end of a
// bench run and the end of a matrix run. It goes through the plugins, never
// straight to an engine: each loaded plugin lists what its backend holds
// labelled moat.managed=true (ABI 1.1 managed_list: a Docker-backed plugin
// its engine's containers, volumes, networks and snapshots, the host plugin its scratch
// sandboxes; plugins on one engine list it once), and removes what the
// scope covers through the plugin that listed it (managed_remove). A plugin
// of ABI 1.0 is swept through sandbox_list and sandbox_remove. Scopes:
//
//   run        everything labelled moat.run-id=<id> (one bench or matrix run)
//   leftovers  what no one owns: objects of any bench or matrix run,
//              sandboxes a killed `moat sandbox create` left half-made (the
//              creation journal names them), and volumes made for a
//              sandbox that no longer exists. A sandbox a user created, and
//              its volumes, stay.
//   all        everything moat made, users' sandboxes too
//
// A removal that fails is recorded, never thrown: the sweep goes on with the
// next object, so one stuck object does not keep the rest.
#pragma once

#include <moat/core/creation_journal.hpp>
#include <moat/core/sandbox_service.hpp>
#include <moat/error.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace moat::core {

enum class SweepScope { leftovers, run, all };

struct SweepOptions {
  SweepScope scope = SweepScope::run;
  std::string run_id;                        // for SweepScope::run
  const CreationJournal* journal = nullptr;  // for SweepScope::leftovers: half-made sandboxes
  bool dry_run = false;                      // list what would go; remove nothing
  std::function<bool()> cancelled = {};      // asked before each removal; true stops the sweep
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
  std::vector<std::string> snapshots;   // only in scope all: a snapshot is kept on purpose
  std::vector<SweptSandbox> sandboxes;  // runtime-kept, outside the engine
  // One line per object that could not be removed, and per runtime that
  // could not list what it keeps.
  std::vector<std::string> errors;
  // The first "unavailable" a plugin gave when listing: its engine is down
  // or refuses (every plugin on that engine fails alike; said once).
  std::optional<moat::Error> engine_error;
  bool interrupted = false;

  // Everything found, one line each ("container NAME", "volume NAME",
  // "network NAME", "sandbox NAME (RUNTIME)").
  [[nodiscard]] std::vector<std::string> found() const;
};

SweepResult sweep(SandboxService& service, const SweepOptions& options);

}  // namespace moat::core
