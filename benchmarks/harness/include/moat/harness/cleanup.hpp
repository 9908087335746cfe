// The end of a bench run: core's sweep (moat/core/sweep.hpp) for the run's id,
// which `moat gc --run-id` also runs for a run that was killed.
#pragma once

#include <moat/core/sandbox_service.hpp>

#include <string>
#include <vector>

namespace moat::harness {

// Removes everything labelled with the run id. Returns one line per object
// that could not be removed (empty: all gone).
std::vector<std::string> remove_run(core::SandboxService& service, const std::string& run_id);

// What is left of the run, one line each (nothing is removed). For tests and
// the final check.
std::vector<std::string> leftovers_of_run(core::SandboxService& service, const std::string& run_id);

}  // namespace moat::harness
